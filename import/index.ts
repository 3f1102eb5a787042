// Import: existing Kubernetes objects in, one MicroService per Deployment out, with every field it
// could not carry over. Pure (no I/O), like render/, whose inverse it is: each Deployment is mapped
// onto the spec with the Service, HorizontalPodAutoscaler, PodDisruptionBudget and ServiceAccount
// that belong to it (spec.ts), the mapping is repaired until the schema accepts it and reduced to
// what the renderer does not derive anyway, and then the renderer's own output is compared with
// the input field by field (compare.ts): whatever differs is reported, so nothing is dropped
// silently, whatever the mapping missed.
import {
  API_GROUP,
  API_VERSION,
  DNS1035_LABEL,
  KIND,
  type MicroService,
  parseMicroService,
  parseSpec,
} from '../api/index.ts';
import {
  canonicalJson,
  DEFAULT_RENDER_CONFIG,
  POD_TEMPLATE_HASH_ANNOTATION,
  type RenderConfig,
  render,
} from '../render/index.ts';
import { type Addition, additions, compare, type Finding, type Reasons, show } from './compare.ts';
import { asStored, clone, DERIVED_ANNOTATIONS, isObject, type Json, type JsonObject } from './kubernetes.ts';
import { appContainerIndex, mapDeployment, type Related } from './spec.ts';

export type { Finding, FindingKind } from './compare.ts';
export { asStored } from './kubernetes.ts';

/** An object read from a file, with where it came from (`file.yaml:3`). */
export interface SourceObject {
  readonly where: string;
  readonly object: JsonObject;
}

export interface ImportedMicroService {
  /** Where the Deployment came from. */
  readonly where: string;
  readonly microService: MicroService;
  /** The objects it was imported from: `Deployment shop/user`, `Service shop/user`, … */
  readonly from: readonly string[];
  readonly findings: readonly Finding[];
}

export interface ImportError {
  readonly where: string;
  readonly message: string;
}

export interface ImportResult {
  readonly services: readonly ImportedMicroService[];
  /** Objects that belong to no Deployment, as notes (they are not part of any MicroService). */
  readonly others: readonly (Finding & { readonly where: string })[];
  readonly errors: readonly ImportError[];
}

const KINDS = {
  Deployment: ['apps/v1'],
  Service: ['v1'],
  HorizontalPodAutoscaler: ['autoscaling/v2', 'autoscaling/v1'],
  PodDisruptionBudget: ['policy/v1'],
  ServiceAccount: ['v1'],
  NetworkPolicy: ['networking.k8s.io/v1'],
  AuthorizationPolicy: ['security.istio.io/v1', 'security.istio.io/v1beta1'],
} as const;

/** Kinds the renderer writes from spec sections import does not fill in: a note says where they go. */
const UNMAPPED: Record<string, string> = {
  HTTPRoute: 'spec.routes',
  GRPCRoute: 'spec.routes',
  Ingress: 'spec.routes',
  ServiceMonitor: 'spec.monitoring',
  PodMonitor: 'spec.monitoring',
};
type Kind = keyof typeof KINDS;

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const meta = (o: JsonObject) => obj(o['metadata']);
const nameOf = (o: JsonObject) => str(meta(o)['name']) ?? '';
const namespaceOf = (o: JsonObject) => str(meta(o)['namespace']);
export const describe = (o: JsonObject) =>
  `${str(o['kind']) ?? 'object'} ${namespaceOf(o) ? `${namespaceOf(o)}/` : ''}${nameOf(o)}`;

function kindOf(o: JsonObject): Kind | undefined {
  const kind = str(o['kind']) as Kind | undefined;
  if (kind === undefined || !(kind in KINDS)) return undefined;
  return (KINDS[kind] as readonly string[]).includes(str(o['apiVersion']) ?? '') ? kind : undefined;
}

/** Does a label selector (matchLabels only) select pods with these labels? */
function selects(selector: JsonObject, labels: JsonObject): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function related(
  deployment: JsonObject,
  pool: Map<Kind, SourceObject[]>,
): Record<keyof Related | 'authorizationPolicy', SourceObject | undefined> & { extraServices: SourceObject[] } {
  const ns = namespaceOf(deployment);
  const name = nameOf(deployment);
  const podLabels = obj(meta(obj(obj(deployment['spec'])['template']))['labels']);
  const same = (o: JsonObject) => namespaceOf(o) === ns;
  const take = (kind: Kind, test: (o: JsonObject) => boolean) =>
    (pool.get(kind) ?? []).filter((s) => same(s.object) && test(s.object));
  const services = take('Service', (s) => selects(obj(obj(s['spec'])['selector']), podLabels));
  // The Service named like the Deployment first: it is the one a MicroService renders.
  services.sort((a, b) => Number(nameOf(b.object) === name) - Number(nameOf(a.object) === name));
  const hpa = take('HorizontalPodAutoscaler', (h) => {
    const ref = obj(obj(h['spec'])['scaleTargetRef']);
    return ref['kind'] === 'Deployment' && ref['name'] === name;
  })[0];
  const pdb = take('PodDisruptionBudget', (p) =>
    selects(obj(obj(obj(p['spec'])['selector'])['matchLabels']), podLabels),
  )[0];
  const policy = (kind: Kind, selectorOf: (o: JsonObject) => JsonObject) =>
    take(kind, (o) => selects(selectorOf(o), podLabels)).sort(
      (a, b) => Number(nameOf(b.object) === name) - Number(nameOf(a.object) === name),
    )[0];
  const networkPolicy = policy('NetworkPolicy', (o) => obj(obj(obj(o['spec'])['podSelector'])['matchLabels']));
  const authorizationPolicy = policy('AuthorizationPolicy', (o) => obj(obj(obj(o['spec'])['selector'])['matchLabels']));
  const account = str(obj(obj(obj(deployment['spec'])['template'])['spec'])['serviceAccountName']) ?? 'default';
  const serviceAccount = take('ServiceAccount', (a) => nameOf(a) === account && account !== 'default')[0];
  return {
    service: services[0],
    extraServices: services.slice(1),
    horizontalPodAutoscaler: hpa,
    podDisruptionBudget: pdb,
    serviceAccount,
    networkPolicy,
    authorizationPolicy,
  };
}

// ---------------------------------------------------------------------------------------------
// Repair and simplification

type Path = (string | number)[];

function parsePath(path: string): Path {
  if (path === '(root)') return [];
  const out: Path = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

function removeAt(root: JsonObject, path: Path): boolean {
  if (path.length === 0) return false;
  let node: Json | undefined = root;
  for (const s of path.slice(0, -1)) {
    node = Array.isArray(node) && typeof s === 'number' ? node[s] : isObject(node) ? node[s as string] : undefined;
    if (node === undefined) return false;
  }
  const last = path.at(-1) as string | number;
  if (Array.isArray(node) && typeof last === 'number' && last < node.length) {
    node.splice(last, 1);
    return true;
  }
  if (isObject(node) && Object.hasOwn(node, last as string)) {
    delete node[last as string];
    return true;
  }
  return false;
}

function exists(root: JsonObject, path: Path): boolean {
  let node: Json | undefined = root;
  for (const s of path) {
    node = Array.isArray(node) && typeof s === 'number' ? node[s] : isObject(node) ? node[s as string] : undefined;
    if (node === undefined) return false;
  }
  return true;
}

/** Removes what the schema rejects (unknown keys, values out of range, broken rules) until it accepts the spec. */
function repair(spec: JsonObject): JsonObject | undefined {
  const current = clone(spec);
  for (let round = 0; round < 200; round++) {
    const result = parseSpec(current);
    if (result.ok) return current;
    const paths = new Map<string, Path>();
    for (const issue of result.issues) {
      const path = parsePath(issue.path.replace(/^spec\.?/, '') || '(root)');
      const unknown = /^Unrecognized keys?: "([^"]+)"/.exec(issue.message)?.[1];
      if (unknown !== undefined) path.push(unknown);
      // A required field that is missing: drop the object that needs it.
      while (path.length > 0 && !exists(current, path)) path.pop();
      if (path.length > 0) paths.set(JSON.stringify(path), path);
    }
    const list = [...paths.values()].filter(
      (p) => ![...paths.values()].some((q) => q.length < p.length && q.every((s, i) => p[i] === s)),
    );
    if (list.length === 0) return undefined;
    // Later list items first, so that removing one does not move the next.
    list.sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (a[i] !== b[i])
          return typeof a[i] === 'number' && typeof b[i] === 'number' ? (b[i] as number) - (a[i] as number) : 0;
      }
      return 0;
    });
    for (const path of list) removeAt(current, path);
  }
  return undefined;
}

const stripDerived = (o: JsonObject): JsonObject => {
  const stored = asStored(o);
  const drop = (m: Json | undefined) => {
    if (!isObject(m) || !isObject(m['annotations'])) return;
    for (const k of Object.keys(m['annotations'])) if (DERIVED_ANNOTATIONS.has(k)) delete m['annotations'][k];
  };
  drop(stored['metadata']);
  drop(obj(obj(stored['spec'])['template'])['metadata']);
  return stored;
};

function microService(name: string, namespace: string | undefined, labels: JsonObject, spec: JsonObject): MicroService {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: KIND,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(Object.keys(labels).length > 0 ? { labels: labels as Record<string, string> } : {}),
    },
    spec: spec as unknown as MicroService['spec'],
  };
}

/**
 * The renderer's own annotations on the Deployment (the pod-template hash, the pod budget): equal
 * exactly when applying the MicroService leaves them unchanged.
 */
function fingerprint(deployment: JsonObject | undefined): string {
  const pick = (m: Json | undefined) =>
    Object.entries(obj(obj(m)['annotations'])).filter(([k]) => DERIVED_ANNOTATIONS.has(k));
  return JSON.stringify([
    pick(obj(obj(obj(deployment)['spec'])['template'])['metadata']),
    pick(obj(deployment)['metadata']),
  ]);
}

/** The part of a fingerprint that decides whether pods roll: the pod-template hash. */
const templatePart = (fingerprint: string) => JSON.stringify((JSON.parse(fingerprint) as unknown[])[0]);

/** What a msvc-rendered input says about the bytes the spec must render to. */
export interface RenderedBefore {
  /** fingerprint() of the input Deployment. */
  readonly fingerprint: string;
  /**
   * The pod template as it was written (render output, or kubectl's last-applied configuration),
   * without the hash: which fields were explicit. Absent for a template with the API's defaults.
   */
  readonly template?: string;
}

const rawTemplate = (deployment: JsonObject | undefined): string => {
  const t = clone(obj(obj(deployment)['spec'])['template'] ?? {}) as JsonObject;
  const annotations = obj(obj(t['metadata'])['annotations']);
  delete annotations[POD_TEMPLATE_HASH_ANNOTATION];
  return canonicalJson(t);
};

interface Evaluation {
  readonly canonical: string;
  readonly fingerprint: string;
  readonly template: string;
}

/**
 * Leaves out every field the renderer derives the same value for (default probes, the default
 * ServiceAccount settings, fields equal to the API's defaults), keeping the rendered objects as the
 * API server would store them unchanged. When the input was rendered by msvc, the spec is also made
 * to reproduce its bytes, the pod-template hash above all, so that applying it changes nothing in
 * the pod template, not even the annotation: fields that were explicit stay explicit.
 */
/**
 * Fields whose insides hold no default of the renderer or the API server: tried as a whole, never
 * field by field (which would only cost renders).
 */
const OPAQUE = new Set([
  'env',
  'envFrom',
  'ports',
  'command',
  'args',
  'nodeSelector',
  'tolerations',
  'affinity',
  'podLabels',
  'podAnnotations',
  'topologySpreadConstraints',
  'imagePullSecrets',
  'volumeMounts',
  'items',
]);

function simplify(ms: MicroService, cfg: RenderConfig, before: RenderedBefore | undefined): MicroService {
  const evaluate = (m: MicroService): Evaluation => {
    const objects = render(m, cfg).objects;
    const deployment = objects.find((o) => o.kind === 'Deployment') as JsonObject | undefined;
    return {
      canonical: canonicalJson(objects.map((o) => stripDerived(o as JsonObject))),
      fingerprint: before ? fingerprint(deployment) : '',
      template: before?.template ? rawTemplate(deployment) : '',
    };
  };
  const start = evaluate(ms);
  let current = ms;
  let now = start;
  /** Every field removed, in order; those that changed the renderer's annotations are the ones to try keeping. */
  const accepted: Path[] = [];
  const removable = new Set<Path>();
  const visit = (path: Path) => {
    let node: Json | undefined = current.spec as unknown as JsonObject;
    for (const s of path) {
      node = Array.isArray(node) && typeof s === 'number' ? node[s] : isObject(node) ? node[s as string] : undefined;
    }
    // Inside lists (containers, volumes): the fields of each item, never the item itself.
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        if (isObject(item)) visit([...path, i]);
      });
      return;
    }
    if (!isObject(node)) return;
    for (const key of Object.keys(node)) {
      if (path.length === 0 && key === 'image') continue;
      const trialSpec = clone(current.spec) as unknown as JsonObject;
      removeAt(trialSpec, [...path, key]);
      const trial = { ...current, spec: trialSpec as unknown as MicroService['spec'] };
      // Rendered first, validated only if it renders the same (validation costs more than rendering).
      let result: Evaluation | undefined;
      try {
        result = evaluate(trial);
      } catch {
        result = undefined;
      }
      if (result && result.canonical !== start.canonical) result = undefined;
      if (result && !parseSpec(trialSpec).ok) result = undefined;
      // A template that matched the one written must keep matching.
      const keepsTemplate =
        !before?.template || now.template !== before.template || result?.template === before.template;
      if (result && result.canonical === start.canonical && keepsTemplate) {
        accepted.push([...path, key]);
        if (before && result.fingerprint !== now.fingerprint) removable.add(accepted.at(-1) as Path);
        current = trial;
        now = result;
      } else if (!OPAQUE.has(key)) {
        visit([...path, key]);
      }
    }
  };
  visit([]);
  if (!before || now.fingerprint === before.fingerprint) return current;
  // The API's defaults were explicit: keep some of the fields that render to them (a pull policy,
  // a probe's initialDelaySeconds 0) until the hash matches. The same removals from the original
  // minus those, so that what is kept stays where it was.
  const candidates = [...removable].slice(0, 8);
  // The whole fingerprint if some choice gives it; else the pod-template hash (a budget annotation
  // whose JSON lists resources in the order they were written cannot always be had again).
  let sameTemplate: MicroService | undefined;
  for (let mask = 1; mask < 1 << candidates.length; mask++) {
    const keep = new Set(candidates.filter((_, i) => mask & (1 << i)));
    const spec = clone(ms.spec) as unknown as JsonObject;
    for (const path of accepted) if (!keep.has(path)) removeAt(spec, path);
    const trial = { ...current, spec: spec as unknown as MicroService['spec'] };
    if (!parseSpec(spec).ok) continue;
    const got = evaluate(trial);
    if (templatePart(got.fingerprint) !== templatePart(before.fingerprint) || got.canonical !== start.canonical)
      continue;
    if (got.fingerprint === before.fingerprint) return trial;
    sameTemplate ??= trial;
  }
  return sameTemplate ?? current;
}

/**
 * What a Deployment rendered by msvc tells: its annotations, and its template as written (the
 * input itself unless the API server's defaults are in it; kubectl's last-applied configuration
 * then, when there is one).
 */
function renderedBefore(given: JsonObject, stored: JsonObject): RenderedBefore {
  const lastApplied = str(obj(meta(given)['annotations'])['kubectl.kubernetes.io/last-applied-configuration']);
  let written: JsonObject | undefined;
  if (lastApplied !== undefined) {
    try {
      const parsed = JSON.parse(lastApplied) as Json;
      if (isObject(parsed) && parsed['kind'] === 'Deployment') written = parsed;
    } catch {
      // not kubectl's
    }
  } else if (meta(given)['managedFields'] === undefined && meta(given)['uid'] === undefined) {
    written = given;
  }
  return { fingerprint: fingerprint(stored), ...(written ? { template: rawTemplate(written) } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Comparison

const DEPLOYMENT_REASONS: Reasons = {
  'spec.selector.*':
    "a Deployment's selector cannot be changed, and a MicroService selects its pods by app.kubernetes.io/name only: the API server refuses to apply it over this Deployment (see docs/migration.md, a different selector)",
  'spec.template.metadata.labels.*': 'the operator sets the app.kubernetes.io/ labels and the mesh labels itself',
  'spec.template.spec.containers[].securityContext.*':
    'every container runs with the restricted security context the operator sets (docs/pods.md)',
  'spec.template.spec.initContainers[].securityContext.*':
    'every container runs with the restricted security context the operator sets (docs/pods.md)',
  'spec.template.spec.securityContext.*':
    'the pod keeps the restricted Pod Security level; only its user and groups can be chosen (spec.securityContext)',
  'spec.template.spec.hostNetwork':
    'host namespaces break the baseline Pod Security level, which the API does not offer',
  'spec.template.spec.hostPID': 'host namespaces break the baseline Pod Security level, which the API does not offer',
  'spec.template.spec.hostIPC': 'host namespaces break the baseline Pod Security level, which the API does not offer',
  'spec.template.spec.volumes[]': 'only the volume types the restricted Pod Security level allows are offered',
};

const SERVICE_REASONS: Reasons = {
  'spec.ports[].port':
    'a MicroService Service exposes each container port under its own number: clients must call the new port',
  'spec.selector.*': 'a MicroService Service selects its pods by app.kubernetes.io/name',
  'metadata.name':
    'the MicroService renders its Service under its own name; clients of the old name need it kept as it is',
};

function reasonsLookup(reasons: Reasons): Reasons {
  // compare.ts looks reasons up by exact pattern; expand the `prefix.*` entries lazily.
  return new Proxy(reasons, {
    get(target, key: string) {
      if (key in target) return target[key];
      const hit = Object.keys(target).find((k) => k.endsWith('.*') && key.startsWith(k.slice(0, -1)));
      return hit ? target[hit] : undefined;
    },
  });
}

const ADDITIONS: readonly Addition[] = [
  {
    path: ['spec', 'template', 'spec', 'securityContext', 'runAsUser'],
    message: 'the pods run as this user (set spec.securityContext.runAsUser to the one the image needs)',
  },
  {
    path: ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'readOnlyRootFilesystem'],
    message: 'the root filesystem becomes read-only: mount a volume where the app writes (a writable /tmp is there)',
  },
  {
    path: ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'runAsNonRoot'],
    message: 'the kubelet refuses to start a container that would run as root',
  },
];

/**
 * A probe that names the port it probes by number probes the same port by name: both sides of a
 * comparison get the names (the container's, else those import made up).
 */
function nameProbePorts(container: JsonObject | undefined, portNames: ReadonlyMap<number, string>): void {
  if (!container) return;
  const named = new Map<number, string>(portNames);
  for (const p of Array.isArray(container['ports']) ? container['ports'].filter(isObject) : []) {
    if (typeof p['containerPort'] === 'number' && typeof p['name'] === 'string')
      named.set(p['containerPort'], p['name']);
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    for (const handler of ['httpGet', 'tcpSocket']) {
      const h = obj(obj(container[kind])[handler]);
      if (typeof h['port'] === 'number' && named.has(h['port'])) h['port'] = named.get(h['port']) as string;
    }
  }
}

/**
 * The input Deployment as the MicroService would hold it, for comparison: the app container
 * renamed `app`, further containers as native sidecars, references to the app container renamed;
 * each of these is a finding of its own.
 */
function comparableDeployment(
  d: JsonObject,
  appIndex: number,
  portNames: ReadonlyMap<number, string>,
  object: string,
): { value: JsonObject; findings: Finding[] } {
  const value = clone(d);
  const findings: Finding[] = [];
  const podSpec = obj(obj(obj(value['spec'])['template'])['spec']);
  const containers = Array.isArray(podSpec['containers']) ? podSpec['containers'].filter(isObject) : [];
  const app = containers[appIndex];
  if (!app) return { value, findings };
  const appName = str(app['name']) ?? '';
  if (appName !== 'app') {
    findings.push({
      object,
      path: `spec.template.spec.containers[${appIndex}].name`,
      kind: 'changed',
      message: `${show(appName)} becomes "app": the app container of a MicroService is always named app (kubectl exec -c and log queries by container name change)`,
    });
    app['name'] = 'app';
    for (const env of Array.isArray(app['env']) ? app['env'].filter(isObject) : []) {
      const ref = obj(obj(env['valueFrom'])['resourceFieldRef']);
      if (ref['containerName'] === appName) ref['containerName'] = 'app';
    }
  }
  nameProbePorts(app, portNames);
  const others = containers.filter((_, i) => i !== appIndex);
  others.forEach((c) => {
    findings.push({
      object,
      path: `spec.template.spec.containers[${containers.indexOf(c)}]`,
      kind: 'changed',
      message: `container ${show(c['name'])} becomes a native sidecar (an init container with restartPolicy: Always): a MicroService has one app container; it now starts before the app`,
    });
    c['restartPolicy'] = 'Always';
  });
  podSpec['containers'] = [app];
  if (others.length > 0) {
    const init = Array.isArray(podSpec['initContainers']) ? podSpec['initContainers'] : [];
    podSpec['initContainers'] = [...others, ...init];
  }
  return { value, findings };
}

/** Service ports that target a container port by number, rewritten to its name (the same port to the API server). */
function comparableService(s: JsonObject, d: JsonObject, portNames: ReadonlyMap<number, string>): JsonObject {
  const value = clone(s);
  const podSpec = obj(obj(obj(d['spec'])['template'])['spec']);
  const named = new Map<number, string>(portNames);
  for (const c of Array.isArray(podSpec['containers']) ? podSpec['containers'].filter(isObject) : []) {
    for (const p of Array.isArray(c['ports']) ? c['ports'].filter(isObject) : []) {
      if (typeof p['containerPort'] === 'number' && typeof p['name'] === 'string')
        named.set(p['containerPort'], p['name']);
    }
  }
  for (const p of Array.isArray(obj(value['spec'])['ports'])
    ? (obj(value['spec'])['ports'] as Json[]).filter(isObject)
    : []) {
    if (typeof p['targetPort'] === 'number' && named.has(p['targetPort']))
      p['targetPort'] = named.get(p['targetPort']) as string;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------

export interface ImportOptions {
  /** The renderer's settings (app.kubernetes.io/managed-by), as the MicroServices will be rendered. */
  readonly renderConfig?: RenderConfig;
}

/** One MicroService per Deployment among `sources`, with the findings of each; the other objects as notes. */
export function importObjects(sources: readonly SourceObject[], options: ImportOptions = {}): ImportResult {
  const cfg = options.renderConfig ?? DEFAULT_RENDER_CONFIG;
  const pool = new Map<Kind, SourceObject[]>();
  const others: (Finding & { where: string })[] = [];
  const errors: ImportError[] = [];
  for (const s of sources) {
    const kind = kindOf(s.object);
    const section = UNMAPPED[str(s.object['kind']) ?? ''];
    if (kind === undefined && section !== undefined) {
      others.push({
        where: s.where,
        object: describe(s.object),
        path: '',
        kind: 'note',
        message: `not imported: ${section} can describe it, which import does not fill in; keep it as it is, or write ${section} and delete it once the MicroService renders its own`,
      });
      continue;
    }
    if (kind === undefined) {
      others.push({
        where: s.where,
        object: describe(s.object),
        path: '',
        kind: 'note',
        message: `not imported: a MicroService renders no ${str(s.object['apiVersion']) ?? ''} ${str(s.object['kind']) ?? 'object'}; keep it as it is`,
      });
      continue;
    }
    pool.set(kind, [...(pool.get(kind) ?? []), s]);
  }
  const used = new Set<SourceObject>();
  const services: ImportedMicroService[] = [];
  for (const source of pool.get('Deployment') ?? []) {
    used.add(source);
    const deployment = asStored(source.object);
    const name = nameOf(deployment);
    const namespace = namespaceOf(deployment);
    const object = describe(deployment);
    if (!new RegExp(DNS1035_LABEL).test(name) || name.length > 63) {
      errors.push({
        where: source.where,
        message: `${object}: the name is not a DNS-1035 label (lower-case letters, digits and '-', starting with a letter), which a MicroService name must be; rename it first`,
      });
      continue;
    }
    const rel = related(deployment, pool);
    for (const r of [
      rel.service,
      rel.horizontalPodAutoscaler,
      rel.podDisruptionBudget,
      rel.serviceAccount,
      rel.networkPolicy,
      rel.authorizationPolicy,
      ...rel.extraServices,
    ]) {
      if (r) used.add(r);
    }
    const stored = {
      ...(rel.service ? { service: asStored(rel.service.object) } : {}),
      ...(rel.horizontalPodAutoscaler ? { horizontalPodAutoscaler: asStored(rel.horizontalPodAutoscaler.object) } : {}),
      ...(rel.podDisruptionBudget ? { podDisruptionBudget: asStored(rel.podDisruptionBudget.object) } : {}),
      ...(rel.serviceAccount ? { serviceAccount: asStored(rel.serviceAccount.object) } : {}),
      ...(rel.networkPolicy ? { networkPolicy: asStored(rel.networkPolicy.object) } : {}),
    } satisfies Related;
    const candidate = mapDeployment(deployment, stored);
    const spec = repair(candidate.spec);
    if (spec === undefined) {
      errors.push({
        where: source.where,
        message: `${object}: no MicroService could be made of it (the image is missing or invalid)`,
      });
      continue;
    }
    const partOf = str(obj(meta(deployment)['labels'])['app.kubernetes.io/part-of']);
    let ms = microService(name, namespace, partOf ? { 'app.kubernetes.io/part-of': partOf } : {}, spec);
    // Rendered by msvc before: make it render to the same bytes, annotations too.
    const fromMsvc = POD_TEMPLATE_HASH_ANNOTATION in obj(meta(obj(obj(deployment['spec'])['template']))['annotations']);
    ms = simplify(ms, cfg, fromMsvc ? renderedBefore(source.object, deployment) : undefined);
    const checked = parseMicroService(ms);
    if (!checked.ok) {
      errors.push({
        where: source.where,
        message: `${object}: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      });
      continue;
    }
    ms = checked.value;
    // By kind among the kinds import reads, each checked with its group (kindOf): Linkerd's
    // AuthorizationPolicy (policy.linkerd.io) is not Istio's, and like its Servers it is not compared.
    const rendered = new Map(
      render(ms, cfg)
        .objects.filter((o) => kindOf(o as JsonObject) !== undefined)
        .map((o) => [o.kind, asStored(o as JsonObject)]),
    );
    const findings: Finding[] = [];
    // The Deployment.
    const { value: comparable, findings: moved } = comparableDeployment(
      deployment,
      appContainerIndex(containersOf(deployment), name),
      candidate.portNames,
      object,
    );
    findings.push(...moved);
    const renderedDeployment = rendered.get('Deployment');
    nameProbePorts(containersOf(renderedDeployment ?? {})[0], candidate.portNames);
    findings.push(
      ...compare(comparable, renderedDeployment, {
        object,
        reasons: reasonsLookup(DEPLOYMENT_REASONS),
        skip: [
          // The renderer's choice of a default that only changes what `kubectl describe pod` shows.
          'spec.template.spec.containers[].terminationMessagePolicy',
          'spec.template.spec.initContainers[].terminationMessagePolicy',
          ...(rel.horizontalPodAutoscaler ? ['spec.replicas'] : []),
        ],
      }),
    );
    if (renderedDeployment) findings.push(...additions(comparable, renderedDeployment, ADDITIONS, object));
    for (const port of candidate.assumedProtocols) {
      findings.push({
        object,
        path: 'spec.ports',
        kind: 'note',
        message: `port ${port}: protocol TCP assumed (no appProtocol, no protocol in its name, no HTTP or gRPC probe on it); set HTTP, HTTP2 or GRPC in spec.ports if it speaks one`,
      });
    }
    // The objects that go with it.
    const pairs: [SourceObject | undefined, Kind, Reasons][] = [
      [rel.service, 'Service', SERVICE_REASONS],
      [rel.horizontalPodAutoscaler, 'HorizontalPodAutoscaler', {}],
      [rel.podDisruptionBudget, 'PodDisruptionBudget', {}],
      [rel.serviceAccount, 'ServiceAccount', {}],
      [rel.networkPolicy, 'NetworkPolicy', {}],
      [rel.authorizationPolicy, 'AuthorizationPolicy', {}],
    ];
    for (const [src, kind, reasons] of pairs) {
      if (src) {
        let input = asStored(src.object);
        let output = rendered.get(kind);
        if (kind === 'Service') {
          input = comparableService(input, deployment, candidate.portNames);
          if (output) output = comparableService(output, renderedDeployment ?? {}, candidate.portNames);
        }
        findings.push(...compare(input, output, { object: describe(input), reasons: reasonsLookup(reasons) }));
      } else if (rendered.has(kind)) {
        const o = rendered.get(kind) as JsonObject;
        findings.push({
          object: describe(o),
          path: '',
          kind: 'note',
          message: `added: the MicroService renders a ${kind} the input has none of`,
        });
      }
    }
    for (const extra of rel.extraServices) {
      findings.push({
        object: describe(extra.object),
        path: '',
        kind: 'note',
        message: `also selects the pods of ${object}; not part of the MicroService: keep it as it is (it still selects the pods if its selector matches their new labels)`,
      });
    }
    if (rel.horizontalPodAutoscaler) {
      findings.push({
        object,
        path: 'spec.replicas',
        kind: 'note',
        message: 'left to the HorizontalPodAutoscaler (the MicroService renders no replicas while it autoscales)',
      });
    }
    services.push({
      where: source.where,
      microService: ms,
      from: [
        source,
        rel.service,
        rel.horizontalPodAutoscaler,
        rel.podDisruptionBudget,
        rel.serviceAccount,
        rel.networkPolicy,
        rel.authorizationPolicy,
      ]
        .filter((s): s is SourceObject => s !== undefined)
        .map((s) => describe(s.object)),
      findings,
    });
  }
  for (const [kind, list] of pool) {
    if (kind === 'Deployment') continue;
    for (const s of list) {
      if (used.has(s)) continue;
      // The namespace's default ServiceAccount is in every `kubectl get sa` and belongs to nobody.
      if (kind === 'ServiceAccount' && nameOf(s.object) === 'default') continue;
      others.push({
        where: s.where,
        object: describe(s.object),
        path: '',
        kind: 'note',
        message: 'not imported: it belongs to none of the Deployments read; keep it as it is',
      });
    }
  }
  if ((pool.get('Deployment') ?? []).length === 0 && sources.length > 0) {
    errors.push({
      where: sources[0]?.where ?? '',
      message: 'no Deployment (apps/v1) found: import makes one MicroService per Deployment',
    });
  }
  return { services, others, errors };
}

function containersOf(d: JsonObject): JsonObject[] {
  const c = obj(obj(obj(d['spec'])['template'])['spec'])['containers'];
  return Array.isArray(c) ? c.filter(isObject) : [];
}
