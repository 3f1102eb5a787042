// Why each computed value is what it is: the rules behind env tuning, mesh keys, the shutdown
// budget, probes, replicas and the disruption budget. `msvc explain` prints this list.
import {
  type CpuLimitSource,
  cpuLimitSource,
  DEFAULTS,
  extraCpuLimitSource,
  type MicroService,
  meshMode,
  meshPodSecurityRisk,
  meshPodSecurityWarning,
  meshProvider,
  minimumReplicas,
  RESOURCES_DEFAULTS,
  resolveShutdown,
} from '../api/index.ts';
import { POD_RESOURCES_ANNOTATION, podBudget } from './budget.ts';
import { CONFIG_HASH_ANNOTATION, configReferences } from './config.ts';
import { meshKeys } from './mesh/index.ts';
import { monitoringExplanations } from './monitoring.ts';
import { names } from './names.ts';
import { renderProbe } from './probes.ts';
import { runtimeTuning } from './runtime/index.ts';
import type { Explanation } from './types.ts';

export function explain(ms: MicroService): Explanation[] {
  const spec = ms.spec;
  const deployment = `Deployment/${names.deployment(ms.metadata.name)}`;
  const out: Explanation[] = [
    cpuLimit(deployment, names.appContainer, 'spec.resources', cpuLimitSource(spec), 'the app'),
    ...[
      ...(spec.sidecars ?? []).map((c, i) => [c, `spec.sidecars[${i}].resources`] as const),
      ...(spec.initContainers ?? []).map((c, i) => [c, `spec.initContainers[${i}].resources`] as const),
    ].map(([c, path]) => cpuLimit(deployment, c.name, path, extraCpuLimitSource(c), `container ${c.name}`)),
  ];
  for (const d of runtimeTuning(spec).decisions) {
    out.push({
      object: deployment,
      field: d.option ? `env ${d.env} ${d.option}` : `env ${d.env}`,
      value: d.value ?? '(unset)',
      reason: d.reason,
      ...(d.source ? { source: d.source } : {}),
    });
  }
  for (const k of meshKeys(spec)) {
    out.push({ object: deployment, field: `pod ${k.kind} ${k.key}`, value: k.value, reason: k.reason });
  }
  out.push(...meshPodSecurity(ms, deployment));
  const s = resolveShutdown(spec);
  out.push({
    object: deployment,
    field: 'terminationGracePeriodSeconds',
    value: String(s.gracePeriodSeconds),
    reason:
      spec.shutdown?.gracePeriodSeconds !== undefined
        ? `set in spec.shutdown.gracePeriodSeconds (covers preStop ${s.preStopSleepSeconds}s + app ${s.timeoutSeconds}s${s.proxyDrainAfterAppSeconds ? ` + Linkerd proxy shutdown ${s.proxyDrainAfterAppSeconds}s` : ''})`
        : `preStop sleep ${s.preStopSleepSeconds}s + app shutdown ${s.timeoutSeconds}s${s.proxyDrainAfterAppSeconds ? ` + Linkerd native proxy shutdown ${s.proxyDrainAfterAppSeconds}s` : ''} + ${DEFAULTS.shutdown.marginSeconds}s margin; anything still running then is SIGKILLed${meshProvider(spec) === 'istio' && meshMode(spec) === 'native-sidecar' ? ". The Istio native sidecar adds nothing: its preStop hook drains it while the app shuts down and it exits at once on the SIGTERM after the app's exit" : ''}`,
  });
  for (const kind of ['liveness', 'readiness', 'startup'] as const) {
    const probe = renderProbe(spec, kind);
    const given = spec.probes?.[kind];
    const handler = probe ? Object.keys(probe)[0] : undefined;
    out.push({
      object: deployment,
      field: `${kind}Probe`,
      value: probe ? JSON.stringify({ [handler as string]: probe[handler as string] }) : '(none)',
      reason: given?.disabled
        ? `disabled in spec.probes.${kind}`
        : !probe
          ? 'no HTTP, HTTP2, GRPC or TCP port to derive it from'
          : given && (given.httpGet || given.grpc || given.tcpSocket || given.exec)
            ? `given in spec.probes.${kind}`
            : `derived from the first ${handler === 'grpc' ? 'GRPC' : handler === 'tcpSocket' ? 'TCP' : 'HTTP'} port${meshProvider(spec) === 'istio' && meshMode(spec) !== 'ambient' ? '; the Istio sidecar rewrites it to its agent so it works under mTLS' : ''}`,
    });
  }
  out.push({
    object: deployment,
    field: 'replicas',
    value: spec.autoscaling ? '(unset)' : String(spec.replicas ?? DEFAULTS.replicas),
    reason: spec.autoscaling
      ? 'left out: the HorizontalPodAutoscaler owns replicas, and server-side apply must not take them back'
      : spec.replicas === undefined
        ? `default ${DEFAULTS.replicas}`
        : 'set in spec.replicas',
  });
  out.push(...initOrder(ms, deployment));
  const budget = podBudget(spec);
  out.push({
    object: deployment,
    field: `annotation ${POD_RESOURCES_ANNOTATION}`,
    value: JSON.stringify({ requests: budget.requests, limits: budget.limits }),
    reason: `what ResourceQuota counts per pod: ${Object.keys(budget.containers).join(' + ')}${Object.keys(budget.containers).length > 1 ? ' (the proxy is injected at admission and counted too)' : ''}`,
  });
  const min = minimumReplicas(spec);
  out.push({
    object: `PodDisruptionBudget/${names.podDisruptionBudget(ms.metadata.name)}`,
    field: 'rendered',
    value: min >= DEFAULTS.disruptionMinReplicas ? 'yes' : 'no',
    reason:
      min >= DEFAULTS.disruptionMinReplicas
        ? `${min} replicas at least: a budget keeps voluntary disruptions from taking them all`
        : `only ${min} replica: a budget would either block node drains or protect nothing`,
  });
  out.push(...monitoringExplanations(ms));
  if (spec.rolloutOnConfigChange) {
    const refs = configReferences(spec);
    out.push({
      object: deployment,
      field: `pod annotation ${CONFIG_HASH_ANNOTATION}`,
      value: refs.length === 0 ? '(unset)' : '(set by the operator)',
      reason:
        refs.length === 0
          ? 'spec.rolloutOnConfigChange is on, but no ConfigMap or Secret is referenced'
          : `spec.rolloutOnConfigChange: the operator hashes the resourceVersions of ${refs.map((r) => `${r.kind} ${r.name}`).join(', ')} into it, so a change to one rolls the pods; msvc render and cdk8s see no cluster and render none`,
    });
  }
  return out;
}

/** Whether the mesh's injected init container passes Pod Security: a warning without CNI, the reason with it. */
function meshPodSecurity(ms: MicroService, deployment: string): Explanation[] {
  const risk = meshPodSecurityRisk(ms.spec);
  if (risk) {
    return [
      {
        object: deployment,
        field: `Pod Security (injected ${risk.initContainer})`,
        value: 'warning: rejected by baseline and restricted',
        reason: meshPodSecurityWarning(risk),
        source: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
      },
    ];
  }
  if (meshProvider(ms.spec) === 'none' || meshMode(ms.spec) === 'ambient') return [];
  return [
    {
      object: deployment,
      field: 'Pod Security (mesh CNI)',
      value: 'CNI plugin: no init container with NET_ADMIN',
      reason:
        'spec.mesh.cni: the mesh CNI plugin sets up the traffic redirection, so the injected pod can pass the restricted level',
    },
  ];
}

/** A container's CPU limit and where it comes from (given, the default rule, or none); `at` is its resources' spec path. */
function cpuLimit(deployment: string, container: string, at: string, cpu: CpuLimitSource, who: string): Explanation {
  const field = `container ${container} resources.limits.cpu`;
  switch (cpu.from) {
    case 'given':
      return { object: deployment, field, value: String(cpu.limit), reason: `set in ${at}.limits.cpu` };
    case 'default':
      return {
        object: deployment,
        field,
        value: cpu.limit,
        reason: `default: max(1, ceil(${RESOURCES_DEFAULTS.cpuLimitPerRequest} × CPU request ${cpu.request})) = ${cpu.limit} core${cpu.limit === '1' ? '' : 's'}, so ${who} bursts to twice its reservation but cannot take the node; whole cores so GOMAXPROCS and the JVM's processor count match the quota (${at}.defaultCPULimit: false renders none)`,
        source: 'docs/resources.md#cpu-limit',
      };
    case 'opted-out':
      return {
        object: deployment,
        field,
        value: '(unset)',
        reason: `${at}.defaultCPULimit is false: no CPU limit, ${who} may use any idle CPU of the node (a namespace LimitRange may still add one)${container === names.appContainer ? '; runtime tuning is sized from the CPU request' : ''}`,
      };
    case 'no-request':
      return {
        object: deployment,
        field,
        value: '(unset)',
        reason: `${at} sets no CPU request, and a limit alone would make Kubernetes reserve all of it as the request: set requests.cpu to get the default limit, or limits.cpu`,
      };
  }
}

const ISTIO_ORDER = 'https://github.com/istio/istio/blob/master/pkg/kube/inject/webhook.go (reorderPod)';
const LINKERD_ORDER = 'https://github.com/linkerd/linkerd2/blob/main/charts/patch/templates/patch.json';

/** Where each init container and sidecar runs relative to the mesh proxy, and what that means for its network. */
function initOrder(ms: MicroService, deployment: string): Explanation[] {
  const spec = ms.spec;
  const provider = meshProvider(spec);
  const mode = meshMode(spec);
  const out: Explanation[] = [];
  for (const s of spec.sidecars ?? []) {
    out.push({
      object: deployment,
      field: `sidecars ${s.name}`,
      value: 'initContainers, restartPolicy: Always',
      reason:
        'a native sidecar: started before the init containers and the app, stopped after the app (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/)',
    });
  }
  for (const c of spec.initContainers ?? []) {
    let reason = 'runs to completion, in order, after the sidecars have started and before the app';
    let source: string | undefined;
    if (provider === 'istio' && mode === 'native-sidecar') {
      reason +=
        "; Istio's injector starts the proxy before your init containers, so their traffic goes through the mesh (mTLS, policy)";
      source = ISTIO_ORDER;
    } else if (provider === 'istio' && mode === 'sidecar') {
      reason +=
        '; with a classic sidecar Istio moves istio-init after your init containers, so they reach the network outside the mesh (no mTLS: a STRICT PeerAuthentication rejects them); with the Istio CNI plugin their traffic is redirected to a proxy that is not running yet and fails (run them as UID 1337 or exclude their ports). mesh.mode native-sidecar puts them in the mesh';
      source = ISTIO_ORDER;
    } else if (provider === 'linkerd' && mode === 'native-sidecar') {
      reason +=
        "; Linkerd's injector adds the proxy ahead of your init containers, so their traffic goes through the mesh";
      source = LINKERD_ORDER;
    } else if (provider === 'linkerd') {
      reason +=
        '; with a classic sidecar linkerd-init has already redirected traffic to a proxy that is not running yet, so outbound connections fail (skip their ports with config.linkerd.io/skip-outbound-ports, or use mesh.mode native-sidecar)';
      source = LINKERD_ORDER;
    }
    out.push({
      object: deployment,
      field: `initContainers ${c.name}`,
      value: c.image,
      reason,
      ...(source ? { source } : {}),
    });
  }
  return out;
}
