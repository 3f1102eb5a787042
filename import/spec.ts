// A Deployment (and the Service, HorizontalPodAutoscaler, PodDisruptionBudget and ServiceAccount
// that go with it), in their stored form (kubernetes.ts), mapped onto MicroService spec fields:
// every field the API has a place for, in the shapes both share. The result is a candidate: it
// may not validate yet (index.ts repairs it) and it says some things the renderer derives anyway
// (index.ts simplifies it); compare.ts finds whatever it left behind.
import { RESERVED_POD_KEY_PREFIXES } from '../api/index.ts';
import { bookkeeping, clone, DERIVED_ANNOTATIONS, isObject, type Json, type JsonObject } from './kubernetes.ts';
import { type MeshRecognition, recognizeMesh, recognizeRuntime } from './recognize.ts';

/** Pod label and annotation keys the renderer owns (the recommended labels, mesh keys). */
const reserved = (key: string) => RESERVED_POD_KEY_PREFIXES.some((p) => key.startsWith(p));

export interface Related {
  readonly service?: JsonObject;
  readonly horizontalPodAutoscaler?: JsonObject;
  readonly podDisruptionBudget?: JsonObject;
  readonly serviceAccount?: JsonObject;
  readonly networkPolicy?: JsonObject;
}

export interface Candidate {
  readonly spec: JsonObject;
  /** Index of the app container in spec.template.spec.containers. */
  readonly appIndex: number;
  readonly mesh: MeshRecognition;
  /** Port names made up for unnamed container ports (containerPort → name). */
  readonly portNames: ReadonlyMap<number, string>;
  /** Ports whose protocol was assumed, for a note. */
  readonly assumedProtocols: readonly string[];
}

const obj = (v: Json | undefined): JsonObject => (isObject(v) ? v : {});
const arr = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: Json | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

function pick(o: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) out[k] = clone(o[k]) as Json;
  return out;
}

/** The app container: the only one, else the one named like the Deployment or `app`, else the first. */
export function appContainerIndex(containers: readonly JsonObject[], deploymentName: string): number {
  if (containers.length <= 1) return 0;
  const named = containers.findIndex((c) => c['name'] === deploymentName || c['name'] === 'app');
  return Math.max(named, 0);
}

/** Istio's protocol selection by port name (`<protocol>[-<suffix>]`) and appProtocol values. */
const PROTOCOLS: Record<string, string> = {
  http: 'HTTP',
  http2: 'HTTP2',
  h2c: 'HTTP2',
  'kubernetes.io/h2c': 'HTTP2',
  grpc: 'GRPC',
  'grpc-web': 'HTTP',
  tcp: 'TCP',
  udp: 'UDP',
};

function protocolOf(name: string | undefined, appProtocol: string | undefined): string | undefined {
  if (appProtocol !== undefined) return PROTOCOLS[appProtocol.toLowerCase()];
  const prefix = name?.split('-')[0]?.toLowerCase();
  return prefix === undefined ? undefined : PROTOCOLS[prefix];
}

function portName(base: string | undefined, containerPort: number, used: Set<string>): string {
  const candidates = [base, `port-${containerPort}`].filter((n): n is string => n !== undefined);
  for (const n of candidates) if (!used.has(n) && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) && n.length <= 15) return n;
  return `p${containerPort}`;
}

/** The ports a probe handler uses, to infer a protocol the port name does not tell. */
function probedPorts(container: JsonObject): { http: Set<Json>; grpc: Set<Json> } {
  const http = new Set<Json>();
  const grpc = new Set<Json>();
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = obj(container[kind]);
    if (isObject(p['httpGet'])) http.add(p['httpGet']['port'] ?? null);
    if (isObject(p['grpc'])) grpc.add(p['grpc']['port'] ?? null);
  }
  return { http, grpc };
}

function mapPorts(container: JsonObject, service: JsonObject | undefined) {
  const servicePorts = arr(obj(service?.['spec'])['ports']);
  const probed = probedPorts(container);
  const used = new Set<string>();
  const portNames = new Map<number, string>();
  const assumedProtocols: string[] = [];
  const ports: JsonObject[] = [];
  // A chart may leave the container's ports undeclared and let the Service target them by number.
  const declared = arr(container['ports']);
  const listed =
    declared.length > 0
      ? declared
      : servicePorts
          .filter((s) => typeof s['targetPort'] === 'number')
          .map((s): JsonObject => ({ containerPort: s['targetPort'] ?? null, protocol: s['protocol'] ?? 'TCP' }));
  for (const p of listed) {
    const containerPort = num(p['containerPort']);
    if (containerPort === undefined) continue;
    const given = str(p['name']);
    const fronting = servicePorts.find(
      (s) => s['targetPort'] === containerPort || (given && s['targetPort'] === given),
    );
    const name =
      given ?? portName(str(fronting?.['name']) ?? (listed.length === 1 ? 'http' : undefined), containerPort, used);
    used.add(name);
    if (given === undefined) portNames.set(containerPort, name);
    let protocol =
      p['protocol'] === 'UDP' ? 'UDP' : protocolOf(str(fronting?.['name']) ?? given, str(fronting?.['appProtocol']));
    if (protocol === undefined) {
      if (probed.grpc.has(containerPort)) protocol = 'GRPC';
      else if (probed.http.has(containerPort) || probed.http.has(name)) protocol = 'HTTP';
      else {
        protocol = 'TCP';
        assumedProtocols.push(name);
      }
    }
    ports.push({ name, port: containerPort, ...(protocol === 'HTTP' ? {} : { protocol }) });
  }
  return { ports, portNames, assumedProtocols };
}

const PROBE_TIMINGS = [
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'failureThreshold',
  'successThreshold',
];

function mapProbe(probe: JsonObject | undefined, portNames: ReadonlyMap<number, string>): JsonObject {
  if (probe === undefined) return { disabled: true };
  const out: JsonObject = pick(probe, PROBE_TIMINGS);
  const port = (p: Json | undefined) => (typeof p === 'number' ? (portNames.get(p) ?? p) : (p ?? null));
  if (isObject(probe['httpGet']))
    out['httpGet'] = { path: probe['httpGet']['path'] ?? '/', port: port(probe['httpGet']['port']) };
  else if (isObject(probe['grpc'])) out['grpc'] = pick(probe['grpc'], ['port', 'service']);
  else if (isObject(probe['tcpSocket'])) out['tcpSocket'] = { port: port(probe['tcpSocket']['port']) };
  else if (isObject(probe['exec'])) out['exec'] = pick(probe['exec'], ['command']);
  return out;
}

const EXTRA_CONTAINER_FIELDS = ['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'envFrom', 'resources'];

/** Mounts without the /tmp the renderer always mounts. */
function mounts(container: JsonObject): JsonObject[] | undefined {
  const list = arr(container['volumeMounts']).filter((m) => !(m['name'] === 'tmp' && m['mountPath'] === '/tmp'));
  return list.length > 0 ? list.map((m) => pick(m, ['name', 'mountPath', 'readOnly', 'subPath'])) : undefined;
}

/**
 * Requests and limits as the spec takes them: a CPU request without a limit stays without one
 * (defaultCPULimit: false), since the renderer would add max(1, 2 × request) (docs/resources.md).
 */
function mapResources(resources: Json | undefined): JsonObject {
  const out = clone(pick(obj(resources), ['requests', 'limits'])) as JsonObject;
  if (obj(out['requests'])['cpu'] !== undefined && obj(out['limits'])['cpu'] === undefined) {
    out['defaultCPULimit'] = false;
  }
  return out;
}

function extraContainer(c: JsonObject, appName: string): JsonObject {
  const out = pick(c, EXTRA_CONTAINER_FIELDS);
  if (isObject(c['resources'])) out['resources'] = mapResources(c['resources']);
  const m = mounts(c);
  if (m) out['volumeMounts'] = m;
  if (Array.isArray(out['env'])) out['env'] = env(arr(out['env']), appName, str(c['name']) ?? '');
  return out;
}

/** Env as the spec takes it: fieldRef without apiVersion, resourceFieldRef of the container itself without its name. */
function env(list: readonly JsonObject[], _appName: string, containerName: string): JsonObject[] {
  return list.map((e) => {
    const from = obj(e['valueFrom']);
    if (Object.keys(from).length === 0) return pick(e, ['name', 'value']);
    const valueFrom: JsonObject = {};
    if (isObject(from['configMapKeyRef']))
      valueFrom['configMapKeyRef'] = pick(from['configMapKeyRef'], ['name', 'key', 'optional']);
    if (isObject(from['secretKeyRef']))
      valueFrom['secretKeyRef'] = pick(from['secretKeyRef'], ['name', 'key', 'optional']);
    if (isObject(from['fieldRef'])) valueFrom['fieldRef'] = pick(from['fieldRef'], ['fieldPath']);
    if (isObject(from['resourceFieldRef'])) {
      const r = from['resourceFieldRef'];
      // Only this container's own resources: the spec has no containerName (another's is a finding).
      if (r['containerName'] === undefined || r['containerName'] === containerName) {
        valueFrom['resourceFieldRef'] = pick(r, ['resource', ...(r['divisor'] === '0' ? [] : ['divisor'])]);
      }
    }
    return { name: e['name'] ?? null, valueFrom };
  });
}

function mapShutdown(app: JsonObject, podSpec: JsonObject, mesh: MeshRecognition): JsonObject {
  const sleep = num(obj(obj(obj(app['lifecycle'])['preStop'])['sleep'])['seconds']);
  const preStopSleepSeconds = sleep ?? 0;
  const grace = num(podSpec['terminationGracePeriodSeconds']) ?? 30;
  const drain = mesh.mesh?.['mode'] === 'native-sidecar' ? 5 : 0;
  let timeoutSeconds = mesh.timeoutSeconds ?? 20;
  // The grace period must cover preStop + timeout (+ a native proxy's drain): shorten the timeout to fit.
  if (grace <= preStopSleepSeconds + timeoutSeconds + drain)
    timeoutSeconds = Math.max(1, grace - preStopSleepSeconds - drain - 1);
  return { preStopSleepSeconds, timeoutSeconds, gracePeriodSeconds: grace };
}

function mapAutoscaling(hpa: JsonObject): JsonObject {
  const spec = obj(hpa['spec']);
  const out: JsonObject = pick(spec, ['minReplicas', 'maxReplicas']);
  const metrics: JsonObject[] = [];
  for (const m of arr(spec['metrics'])) {
    const r = obj(m['resource']);
    const target = obj(r['target']);
    if (m['type'] === 'Resource' && target['type'] === 'Utilization' && r['name'] === 'cpu') {
      out['targetCPUUtilizationPercent'] = target['averageUtilization'] ?? null;
    } else if (m['type'] === 'Resource' && target['type'] === 'Utilization' && r['name'] === 'memory') {
      out['targetMemoryUtilizationPercent'] = target['averageUtilization'] ?? null;
    } else {
      // Pods, Object and External metrics pass through in the autoscaling/v2 shape (what the schema refuses is a finding).
      metrics.push(clone(m));
    }
  }
  if (metrics.length > 0) out['metrics'] = metrics;
  if (isObject(spec['behavior'])) out['behavior'] = clone(spec['behavior']);
  return out;
}

/**
 * spec.allowedCallers read back from the NetworkPolicy the renderer writes for it: each `from` peer
 * a caller (a namespace by its kubernetes.io/metadata.name label, a MicroService by its pod label).
 * Peers of other shapes (IP blocks, other labels) are left to the comparison.
 */
function mapCallers(policy: JsonObject): JsonObject[] {
  const callers: JsonObject[] = [];
  const seen = new Set<string>();
  for (const rule of arr(obj(policy['spec'])['ingress'])) {
    for (const peer of arr(rule['from'])) {
      const namespace = str(obj(obj(peer['namespaceSelector'])['matchLabels'])['kubernetes.io/metadata.name']);
      const podLabels = obj(obj(peer['podSelector'])['matchLabels']);
      const microService = str(podLabels['app.kubernetes.io/name']);
      const caller: JsonObject | undefined =
        microService !== undefined && Object.keys(podLabels).length === 1
          ? { ...(namespace ? { namespace } : {}), microService }
          : namespace !== undefined && peer['podSelector'] === undefined
            ? { namespace }
            : undefined;
      if (!caller || seen.has(JSON.stringify(caller))) continue;
      seen.add(JSON.stringify(caller));
      callers.push(caller);
    }
  }
  return callers;
}

const POD_SCHEDULING = ['nodeSelector', 'tolerations', 'affinity', 'priorityClassName', 'runtimeClassName'];
const POD_SECURITY = ['runAsUser', 'runAsGroup', 'fsGroup', 'supplementalGroups', 'fsGroupChangePolicy'];

/** The candidate spec of one Deployment and its related objects (all in stored form). */
export function mapDeployment(deployment: JsonObject, related: Related): Candidate {
  const name = str(obj(deployment['metadata'])['name']) ?? '';
  const dspec = obj(deployment['spec']);
  const template = obj(dspec['template']);
  const podSpec = obj(template['spec']);
  const containers = arr(podSpec['containers']);
  const appIndex = appContainerIndex(containers, name);
  const app = containers[appIndex] ?? {};
  const spec: JsonObject = {};
  const set = (key: string, value: Json | undefined) => {
    if (value !== undefined && value !== null) spec[key] = value;
  };

  set('image', app['image']);
  set('imagePullPolicy', app['imagePullPolicy']);
  set('command', clone(app['command']));
  set('args', clone(app['args']));
  const imagePullSecrets = arr(podSpec['imagePullSecrets']).map((s) => pick(s, ['name']));
  // Kept even when empty: an explicit empty list is part of the pod template (and of its hash).
  if (Array.isArray(podSpec['imagePullSecrets'])) spec['imagePullSecrets'] = imagePullSecrets;

  // Replicas: the HPA's when there is one (the Deployment's count is then the autoscaler's).
  if (related.horizontalPodAutoscaler) spec['autoscaling'] = mapAutoscaling(related.horizontalPodAutoscaler);
  else set('replicas', dspec['replicas']);
  set('strategy', clone(dspec['strategy']));
  for (const key of ['minReadySeconds', 'progressDeadlineSeconds', 'revisionHistoryLimit']) set(key, dspec[key]);

  const { ports, portNames, assumedProtocols } = mapPorts(app, related.service);
  if (ports.length > 0) spec['ports'] = ports;
  spec['resources'] = mapResources(app['resources']);
  spec['probes'] = {
    liveness: mapProbe(isObject(app['livenessProbe']) ? app['livenessProbe'] : undefined, portNames),
    readiness: mapProbe(isObject(app['readinessProbe']) ? app['readinessProbe'] : undefined, portNames),
    startup: mapProbe(isObject(app['startupProbe']) ? app['startupProbe'] : undefined, portNames),
  };
  set('envFrom', clone(app['envFrom']));
  const volumes = arr(podSpec['volumes']);
  if (volumes.length > 0) spec['volumes'] = clone(volumes);
  set('volumeMounts', mounts(app));

  const init = arr(podSpec['initContainers']);
  const sidecars = [
    ...init.filter((c) => c['restartPolicy'] === 'Always'),
    // Further app containers run beside the app for the pod's life: the closest the API has is a sidecar.
    ...containers.filter((_, i) => i !== appIndex),
  ].map((c) => extraContainer(c, 'app'));
  const initContainers = init.filter((c) => c['restartPolicy'] !== 'Always').map((c) => extraContainer(c, 'app'));
  if (sidecars.length > 0) spec['sidecars'] = sidecars;
  if (initContainers.length > 0) spec['initContainers'] = initContainers;

  for (const key of POD_SCHEDULING) set(key, clone(podSpec[key]));
  // None given means none: the renderer's default spread would be a change to the pods.
  spec['topologySpreadConstraints'] = clone(arr(podSpec['topologySpreadConstraints']));
  const security = pick(obj(podSpec['securityContext']), POD_SECURITY);
  if (Object.keys(security).length > 0) spec['securityContext'] = security;

  // The ServiceAccount: ours when it is named after the Deployment (and came along), else the given one.
  const account = str(podSpec['serviceAccountName']) ?? 'default';
  const automount = podSpec['automountServiceAccountToken'] !== false;
  spec['serviceAccount'] =
    account === name && related.serviceAccount
      ? { automountToken: automount }
      : { create: false, name: account, automountToken: automount };

  const service = obj(related.service?.['spec']);
  if (related.service) {
    const s: JsonObject = {};
    if (service['type'] !== 'ClusterIP') s['type'] = service['type'] ?? null;
    if (service['clusterIP'] === 'None') s['headless'] = true;
    if (Object.keys(s).length > 0) spec['service'] = s;
  }
  if (related.networkPolicy) spec['allowedCallers'] = mapCallers(related.networkPolicy);
  const pdb = obj(related.podDisruptionBudget?.['spec']);
  if (related.podDisruptionBudget) {
    const d = pick(pdb, ['maxUnavailable', 'minAvailable']);
    if (Object.keys(d).length > 0) spec['disruption'] = d;
  }

  // Pod metadata: mesh keys as spec.mesh, the rest as podLabels/podAnnotations (minus what the renderer owns).
  const metadata = obj(template['metadata']);
  const labels = Object.fromEntries(Object.entries(obj(metadata['labels'])).map(([k, v]) => [k, String(v)]));
  const annotations = Object.fromEntries(Object.entries(obj(metadata['annotations'])).map(([k, v]) => [k, String(v)]));
  spec['shutdown'] = mapShutdown(app, podSpec, { labels: new Set(), annotations: new Set() });
  const mesh = recognizeMesh(spec, labels, annotations);
  if (mesh.mesh) {
    spec['mesh'] = mesh.mesh as JsonObject;
    spec['shutdown'] = mapShutdown(app, podSpec, mesh);
  }
  const podLabels = Object.fromEntries(
    Object.entries(labels).filter(
      ([k]) => !mesh.labels.has(k) && !reserved(k) && bookkeeping(k, labels[k]) === undefined,
    ),
  );
  const podAnnotations = Object.fromEntries(
    Object.entries(annotations).filter(
      ([k]) =>
        !mesh.annotations.has(k) &&
        !reserved(k) &&
        !DERIVED_ANNOTATIONS.has(k) &&
        bookkeeping(k, annotations[k]) === undefined,
    ),
  );
  if (Object.keys(podLabels).length > 0) spec['podLabels'] = podLabels;
  if (Object.keys(podAnnotations).length > 0) spec['podAnnotations'] = podAnnotations;

  const appEnv = env(arr(app['env']), 'app', str(app['name']) ?? '');
  const runtime = recognizeRuntime(spec, appEnv as { name: string; value?: string }[]);
  if (runtime.runtime) spec['runtime'] = runtime.runtime as JsonObject;
  if (runtime.env.length > 0) spec['env'] = runtime.env as unknown as Json;

  return { spec, appIndex, mesh, portNames, assumedProtocols };
}
