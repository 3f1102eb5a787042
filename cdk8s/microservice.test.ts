import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { type MicroService as MicroServiceObject, MicroServiceValidationError } from '../api/index.ts';
import { render } from '../render/index.ts';
import {
  chart,
  exampleMicroServices,
  microServiceProps,
  propsOf,
  withAutoscaling,
  withGo,
  withMesh,
  withMetadata,
  withoutPorts,
  withReplicas,
} from '../test/support/cdk8s.ts';
import { MicroService } from './microservice.ts';

/** JSON text keeps key order, so equal strings mean equal values in the same order. */
const ordered = (value: unknown) => JSON.stringify(value, null, 1);

function crOf(name: string, props: ReturnType<typeof microServiceProps>, namespace?: string): MicroServiceObject {
  const { metadata, ...spec } = props;
  return {
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name, ...(namespace ? { namespace } : {}), ...(metadata?.labels ? { labels: metadata.labels } : {}) },
    spec: spec as MicroServiceObject['spec'],
  };
}

describe('MicroService synthesizes exactly what render() returns', () => {
  const cases = [
    { name: 'defaults', props: microServiceProps() },
    { name: 'autoscaled (no replicas, an HPA)', props: microServiceProps(withAutoscaling(2, 5)) },
    { name: 'one replica (no PDB)', props: microServiceProps(withReplicas(1)) },
    { name: 'no ports (no Service)', props: microServiceProps(withoutPorts) },
    { name: 'istio native sidecar', props: microServiceProps(withMesh({ provider: 'istio', mode: 'native-sidecar' })) },
    { name: 'linkerd', props: microServiceProps(withMesh({ provider: 'linkerd' })) },
    { name: 'go tuning with GOGC off', props: microServiceProps(withGo({ version: '1.24', gcPercent: 'off' })) },
    {
      name: 'part-of label',
      props: microServiceProps(withMetadata({ labels: { 'app.kubernetes.io/part-of': 'shop', team: 'a' } })),
    },
  ];
  it.each(cases)('$name', ({ props }) => {
    const c = chart();
    new MicroService(c, 'order', props);
    expect(ordered(Testing.synth(c))).toBe(ordered(render(crOf('order', props)).objects));
  });

  it.each(exampleMicroServices().map((e) => ({ ...e, name: e.ms.metadata.name })))(
    'examples/$file ($name)',
    ({ ms }) => {
      const c = chart();
      new MicroService(c, ms.metadata.name, propsOf(ms));
      expect(ordered(Testing.synth(c))).toBe(ordered(render(ms).objects));
    },
  );
});

describe('MicroService naming and namespace', () => {
  it('takes the name from the construct id by default', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps());
    expect(ms.name).toBe('order');
    expect(Testing.synth(c).map((o) => o.metadata.name)).toEqual(['order', 'order', 'order', 'order']);
  });

  it('takes metadata.name over the id, so any construct id works', () => {
    const c = chart();
    new MicroService(c, 'OrderService', microServiceProps(withMetadata({ name: 'order' })));
    expect(new Set(Testing.synth(c).map((o) => o.metadata.name))).toEqual(new Set(['order']));
  });

  it('rejects an id that is not a DNS-1035 label, saying how to fix it', () => {
    expect(() => new MicroService(chart(), 'OrderService', microServiceProps())).toThrowError(
      /metadata\.name: must be a DNS-1035 label.*\(the name defaults to the construct id; set props\.metadata\.name\)/,
    );
  });

  it("renders into the Chart's namespace, as the operator does for a CR in that namespace", () => {
    const c = chart({ namespace: 'shop' });
    const ms = new MicroService(c, 'order', microServiceProps());
    expect(ms.namespace).toBe('shop');
    expect(ordered(Testing.synth(c))).toBe(ordered(render(crOf('order', microServiceProps(), 'shop')).objects));
  });

  it("prefers metadata.namespace over the Chart's", () => {
    const c = chart({ namespace: 'shop' });
    new MicroService(c, 'order', microServiceProps(withMetadata({ namespace: 'payments' })));
    expect(new Set(Testing.synth(c).map((o) => o.metadata.namespace))).toEqual(new Set(['payments']));
  });

  it("adds the Chart's labels to each object's metadata (cdk8s does), and nowhere else", () => {
    const c = chart({ labels: { team: 'checkout' } });
    new MicroService(c, 'order', microServiceProps());
    const [sa, , deployment] = Testing.synth(c);
    expect(Object.keys(sa.metadata.labels).at(-1)).toBe('team');
    expect(deployment.metadata.labels.team).toBe('checkout');
    expect(deployment.spec.template.metadata.labels.team).toBeUndefined();
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'order' });
  });
});

describe('MicroService validation', () => {
  it('fails at construction with the construct path and the field path', () => {
    const props = microServiceProps((p) => ({ ...p, ports: [{ name: 'HTTP', port: 80 }], replicas: -1 }));
    let error: unknown;
    try {
      new MicroService(chart(), 'order', props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MicroServiceValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^MicroService "order" at test\/order is invalid:/);
    expect(message).toContain('spec.ports[0].name: ');
    expect(message).toContain('spec.replicas: ');
    expect((error as MicroServiceValidationError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['spec.ports[0].name', 'spec.replicas']),
    );
  });

  // Issue #14: a malformed quantity beside its pair made the requests ≤ limits rule throw a plain
  // Error out of the construct; a BigInt made JSON conversion throw a TypeError.
  it.each([
    {
      name: 'empty request, app',
      resources: { requests: { cpu: '' }, limits: { cpu: '1' } },
      path: 'spec.resources.requests.cpu',
    },
    {
      name: 'negative request',
      resources: { requests: { cpu: -1 }, limits: { cpu: '1' } },
      path: 'spec.resources.requests.cpu',
    },
    {
      name: 'unsafe integer',
      resources: { requests: { memory: 2 ** 60 }, limits: { memory: '1Gi' } },
      path: 'spec.resources.requests.memory',
    },
    {
      name: 'garbage limit',
      resources: { requests: { cpu: '1' }, limits: { cpu: 'lots' } },
      path: 'spec.resources.limits.cpu',
    },
    { name: 'BigInt', resources: { requests: { cpu: 1n } }, path: 'spec' },
  ])('throws MicroServiceValidationError, never a plain Error: $name', ({ resources, path }) => {
    for (const place of ['app', 'proxy'] as const) {
      const props = microServiceProps((p) =>
        place === 'app'
          ? { ...p, resources: resources as never }
          : { ...p, mesh: { provider: 'istio', proxy: { resources: resources as never } } },
      );
      let error: unknown;
      try {
        new MicroService(chart(), 'order', props);
      } catch (e) {
        error = e;
      }
      expect(error, place).toBeInstanceOf(MicroServiceValidationError);
      const want = place === 'proxy' && path !== 'spec' ? path.replace('spec.', 'spec.mesh.proxy.') : path;
      expect(
        (error as MicroServiceValidationError).issues.map((i) => i.path),
        place,
      ).toContain(want);
    }
  });

  it('applies the cross-field rules too (request above limit)', () => {
    const props = microServiceProps((p) => ({
      ...p,
      resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } },
    }));
    expect(() => new MicroService(chart(), 'order', props)).toThrowError(/spec\.resources/);
  });

  it('rejects fields the schema does not know', () => {
    const props = { ...microServiceProps(), imagePullSecret: 'x' } as ReturnType<typeof microServiceProps>;
    expect(() => new MicroService(chart(), 'order', props)).toThrowError(/imagePullSecret/);
  });
});

describe('MicroService escape hatches', () => {
  it('exposes each rendered object; ApiObject.of() is the Deployment', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps(withAutoscaling(2, 4)));
    expect(ApiObject.of(ms)).toBe(ms.deployment);
    expect(
      [ms.serviceAccount, ms.service, ms.deployment, ms.horizontalPodAutoscaler, ms.podDisruptionBudget].map(
        (o) => o?.kind,
      ),
    ).toEqual(['ServiceAccount', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']);
  });

  it('leaves out what is not rendered', () => {
    const ms = new MicroService(chart(), 'order', microServiceProps(withoutPorts, withReplicas(1)));
    expect(ms.service).toBeUndefined();
    expect(ms.horizontalPodAutoscaler).toBeUndefined();
    expect(ms.podDisruptionBudget).toBeUndefined();
  });

  it('applies JSON patches and metadata additions', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps());
    ms.deployment.addJsonPatch(JsonPatch.add('/spec/minReadySeconds', 10));
    ms.deployment.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'other:2'));
    ms.service?.metadata.addAnnotation('example.com/owner', 'checkout');
    const [, service, deployment] = Testing.synth(c);
    expect(deployment.spec.minReadySeconds).toBe(10);
    expect(deployment.spec.template.spec.containers[0].image).toBe('other:2');
    expect(service.metadata.annotations).toEqual({ 'example.com/owner': 'checkout' });
    // The rest keeps the renderer's key order.
    expect(Object.keys(deployment.spec)).toEqual(['replicas', 'selector', 'strategy', 'template', 'minReadySeconds']);
  });
});

describe('MicroService renders lazily', () => {
  it('shows variables added after construction, before the runtime tuning ones', () => {
    const c = chart();
    const props = microServiceProps(withGo({ version: '1.24' }), (p) => ({ ...p, env: [{ name: 'A', value: '1' }] }));
    const ms = new MicroService(c, 'order', props);
    ms.addEnv({ name: 'B', value: '2' });
    ms.addEnvFrom({ configMapRef: { name: 'settings' } });
    const deployment = Testing.synth(c)[2];
    const container = deployment.spec.template.spec.containers[0];
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['A', 'B', 'GOMAXPROCS', 'GOMEMLIMIT']);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'settings' } }]);
    const expected = render({ ...ms.resource }).objects[2];
    expect(ordered(deployment)).toBe(ordered(expected));
  });

  it('validates additions at once', () => {
    const ms = new MicroService(
      chart(),
      'order',
      microServiceProps((p) => ({ ...p, env: [{ name: 'A', value: '1' }] })),
    );
    expect(() => ms.addEnv({ name: 'A', value: '2' })).toThrowError(/spec\.env/);
  });

  it('hands out copies: changing resource, spec or explanations changes nothing rendered', () => {
    const c = chart();
    const ms = new MicroService(c, 'order', microServiceProps());
    (ms.resource.spec.ports as { port: number }[])[0]!.port = 9999;
    (ms.spec as { replicas?: number }).replicas = 7;
    ms.explanations.splice(0);
    ms.addEnv({ name: 'B', value: '2' }); // renders again, from the definition
    const [, service, deployment] = Testing.synth(c);
    expect(service.spec.ports[0].port).toBe(8080);
    expect(deployment.spec.replicas).not.toBe(7);
    expect(ms.explanations.length).toBeGreaterThan(0);
  });

  it('never lets a later change of the props object leak in', () => {
    const c = chart();
    const props = microServiceProps();
    new MicroService(c, 'order', props);
    (props.ports as { port: number }[])[0]!.port = 9999;
    expect(ordered(Testing.synth(c))).toBe(ordered(render(crOf('order', microServiceProps())).objects));
  });
});

describe('MicroService accessors', () => {
  it('exposes the selector labels, the resource and the explanations', () => {
    const ms = new MicroService(chart(), 'order', microServiceProps(withGo({ version: '1.24' })));
    expect(ms.selectorLabels).toEqual({ 'app.kubernetes.io/name': 'order' });
    expect(ms.resource.metadata).toEqual({ name: 'order' });
    expect(ms.explanations.some((e) => e.field.includes('GOMEMLIMIT'))).toBe(true);
  });

  it('uses the given renderer settings', () => {
    const c = chart();
    new MicroService(c, 'order', microServiceProps(), { renderConfig: { managedBy: 'pipeline' } });
    expect(Testing.synth(c)[0].metadata.labels['app.kubernetes.io/managed-by']).toBe('pipeline');
  });
});

describe('MicroService pod metadata', () => {
  it('passes podLabels and podAnnotations through render()', () => {
    const c = chart();
    const props = microServiceProps((p) => ({
      ...p,
      podLabels: { team: 'checkout' },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
    }));
    new MicroService(c, 'order', props);
    const deployment = Testing.synth(c)[2];
    expect(deployment.spec.template.metadata.labels.team).toBe('checkout');
    expect(deployment.spec.template.metadata.annotations['prometheus.io/scrape']).toBe('true');
    expect(ordered(Testing.synth(c))).toBe(ordered(render(crOf('order', props)).objects));
  });
});
