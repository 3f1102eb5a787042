// What the API server adds to the objects import reads and the renderer writes, so the two compare
// as the cluster would run them: the defaults of the built-in kinds (k8s.io/kubernetes
// pkg/apis/{apps,core,autoscaling,policy}/v1/defaults.go, and the documented meaning of an absent
// field where the server stores nothing, e.g. automountServiceAccountToken), the fields the server
// fills in by itself (uid, status, allocated cluster IPs), and the bookkeeping of the tools a
// Deployment came from (Helm, kubectl), which a MicroService replaces. `kubectl get -o yaml` of
// objects created from `helm template` and `msvc render` on the local control plane shows exactly
// these (import/import.test.ts reads such output).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A copy of plain JSON data (faster than structuredClone, which the hot loop of import would feel). */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Metadata the API server writes: never part of what a user declares. */
export const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'ownerReferences',
  'finalizers',
] as const;

/** Annotations and labels that only record how an object was deployed, with what replaces them. */
export const BOOKKEEPING: readonly { readonly key: string; readonly value?: string; readonly note: string }[] = [
  {
    key: 'kubectl.kubernetes.io/last-applied-configuration',
    note: 'kubectl apply bookkeeping; server-side apply by the operator replaces it',
  },
  {
    key: 'deployment.kubernetes.io/revision',
    note: 'written by the Deployment controller',
  },
  { key: 'meta.helm.sh/release-name', note: 'Helm release bookkeeping' },
  { key: 'meta.helm.sh/release-namespace', note: 'Helm release bookkeeping' },
  { key: 'helm.sh/chart', note: 'Helm chart bookkeeping' },
  { key: 'helm.sh/resource-policy', note: 'Helm bookkeeping (it keeps the object when the release is removed)' },
  { key: 'app.kubernetes.io/managed-by', value: 'Helm', note: 'Helm bookkeeping; the operator writes its own' },
  {
    // operator/runtime/shard.ts SHARD_BUCKET_LABEL (docs/sharding.md), on every child it applies.
    key: 'sharding.msvc.dev/bucket',
    note: "the operator's shard bucket of the owner; it labels the children of the MicroService itself",
  },
  {
    key: 'kubectl.kubernetes.io/restartedAt',
    note: 'written by kubectl rollout restart; it stays on the Deployment, owned by kubectl, so adoption does not restart the pods',
  },
];

/**
 * Annotations the renderer (the pod-template hash, the pod budget) and the operator (the hash of
 * what it applied, operator/microservice/drift.ts) compute: equal whenever everything else is.
 */
export const DERIVED_ANNOTATIONS: ReadonlySet<string> = new Set([
  'msvc.dev/pod-template-hash',
  'msvc.dev/pod-resources',
  'msvc.dev/applied-hash',
]);

export function bookkeeping(key: string, value: unknown): string | undefined {
  return BOOKKEEPING.find((b) => b.key === key && (b.value === undefined || b.value === value))?.note;
}

/**
 * The pull policy the API server picks for an image (SetDefaults_Container): Always when the tag is
 * `latest` or there is neither tag nor digest, else IfNotPresent.
 */
export function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const [name = '', digest] = image.split('@');
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  const tag = colon >= 0 ? name.slice(colon + 1) : digest === undefined ? 'latest' : '';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function fill(o: JsonObject, key: string, value: Json): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function objectAt(o: JsonObject, key: string): JsonObject {
  const v = o[key];
  if (isObject(v)) return v;
  const created: JsonObject = {};
  o[key] = created;
  return created;
}

function list(o: JsonObject, key: string): JsonObject[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

function defaultProbe(probe: JsonObject): void {
  fill(probe, 'initialDelaySeconds', 0);
  fill(probe, 'timeoutSeconds', 1);
  fill(probe, 'periodSeconds', 10);
  fill(probe, 'successThreshold', 1);
  fill(probe, 'failureThreshold', 3);
  if (isObject(probe['httpGet'])) fill(probe['httpGet'], 'scheme', 'HTTP');
}

function defaultEnv(env: JsonObject[]): void {
  for (const e of env) {
    const from = e['valueFrom'];
    if (!isObject(from)) continue;
    if (isObject(from['fieldRef'])) fill(from['fieldRef'], 'apiVersion', 'v1');
    if (isObject(from['resourceFieldRef'])) fill(from['resourceFieldRef'], 'divisor', '0');
  }
}

function defaultContainer(c: JsonObject): void {
  fill(c, 'imagePullPolicy', defaultPullPolicy(c['image']));
  fill(c, 'terminationMessagePath', '/dev/termination-log');
  fill(c, 'terminationMessagePolicy', 'File');
  fill(c, 'resources', {});
  for (const p of list(c, 'ports')) fill(p, 'protocol', 'TCP');
  for (const kind of PROBES) if (isObject(c[kind])) defaultProbe(c[kind]);
  defaultEnv(list(c, 'env'));
}

function defaultVolume(v: JsonObject): void {
  for (const source of ['configMap', 'secret', 'projected', 'downwardAPI']) {
    if (isObject(v[source])) fill(v[source], 'defaultMode', 420);
  }
  for (const item of isObject(v['downwardAPI']) ? list(v['downwardAPI'], 'items') : []) {
    if (isObject(item['fieldRef'])) fill(item['fieldRef'], 'apiVersion', 'v1');
  }
  for (const source of isObject(v['projected']) ? list(v['projected'], 'sources') : []) {
    if (isObject(source['serviceAccountToken'])) fill(source['serviceAccountToken'], 'expirationSeconds', 3600);
    for (const item of isObject(source['downwardAPI']) ? list(source['downwardAPI'], 'items') : []) {
      if (isObject(item['fieldRef'])) fill(item['fieldRef'], 'apiVersion', 'v1');
    }
  }
}

/** A pod spec as the API server stores it, plus the meaning of fields it leaves absent. */
export function defaultPodSpec(spec: JsonObject): void {
  fill(spec, 'restartPolicy', 'Always');
  fill(spec, 'dnsPolicy', 'ClusterFirst');
  fill(spec, 'schedulerName', 'default-scheduler');
  fill(spec, 'terminationGracePeriodSeconds', 30);
  fill(spec, 'securityContext', {});
  fill(spec, 'enableServiceLinks', true);
  fill(spec, 'automountServiceAccountToken', true);
  fill(spec, 'serviceAccountName', 'default');
  // The deprecated alias the API server copies serviceAccountName into.
  if (spec['serviceAccount'] === spec['serviceAccountName']) delete spec['serviceAccount'];
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) fill(spec, key, false);
  for (const c of [...list(spec, 'containers'), ...list(spec, 'initContainers')]) defaultContainer(c);
  for (const v of list(spec, 'volumes')) defaultVolume(v);
}

function defaultDeployment(o: JsonObject): void {
  const spec = objectAt(o, 'spec');
  fill(spec, 'replicas', 1);
  fill(spec, 'progressDeadlineSeconds', 600);
  fill(spec, 'revisionHistoryLimit', 10);
  fill(spec, 'minReadySeconds', 0);
  const strategy = objectAt(spec, 'strategy');
  fill(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = objectAt(strategy, 'rollingUpdate');
    fill(rolling, 'maxSurge', '25%');
    fill(rolling, 'maxUnavailable', '25%');
  }
  const template = objectAt(spec, 'template');
  const metadata = objectAt(template, 'metadata');
  if (metadata['creationTimestamp'] === null) delete metadata['creationTimestamp'];
  defaultPodSpec(objectAt(template, 'spec'));
}

function defaultService(o: JsonObject): void {
  const spec = objectAt(o, 'spec');
  fill(spec, 'type', 'ClusterIP');
  fill(spec, 'sessionAffinity', 'None');
  fill(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer') fill(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec['type'] === 'LoadBalancer') fill(spec, 'allocateLoadBalancerNodePorts', true);
  for (const p of list(spec, 'ports')) {
    fill(p, 'protocol', 'TCP');
    fill(p, 'targetPort', p['port'] ?? null);
  }
  // Allocated by the API server (a headless Service's None is the user's).
  if (spec['clusterIP'] !== 'None') delete spec['clusterIP'];
  for (const key of ['clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'healthCheckNodePort']) delete spec[key];
}

/** autoscaling/v1 in the autoscaling/v2 shape (what the API server converts it to). */
function horizontalPodAutoscalerV2(o: JsonObject): void {
  if (o['apiVersion'] !== 'autoscaling/v1') return;
  const spec = objectAt(o, 'spec');
  const target = spec['targetCPUUtilizationPercentage'];
  delete spec['targetCPUUtilizationPercentage'];
  if (typeof target === 'number') {
    spec['metrics'] = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } },
    ];
  }
  o['apiVersion'] = 'autoscaling/v2';
}

function defaultHorizontalPodAutoscaler(o: JsonObject): void {
  horizontalPodAutoscalerV2(o);
  const spec = objectAt(o, 'spec');
  fill(spec, 'minReplicas', 1);
  const metrics = spec['metrics'];
  if (!Array.isArray(metrics) || metrics.length === 0) {
    spec['metrics'] = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ];
  }
}

function defaultPodDisruptionBudget(o: JsonObject): void {
  fill(objectAt(o, 'spec'), 'unhealthyPodEvictionPolicy', 'IfHealthyBudget');
}

function defaultNetworkPolicy(o: JsonObject): void {
  const spec = objectAt(o, 'spec');
  const rules = (key: string) => list(spec, key);
  fill(spec, 'policyTypes', rules('egress').length > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
  for (const rule of [...rules('ingress'), ...rules('egress')])
    for (const p of list(rule, 'ports')) fill(p, 'protocol', 'TCP');
}

function defaultServiceAccount(o: JsonObject): void {
  fill(o, 'automountServiceAccountToken', true);
  delete o['secrets'];
}

/**
 * A copy of a Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget or ServiceAccount as
 * the API server would hold it, without status or server metadata; comparable field by field with
 * another such copy.
 */
export function asStored(object: JsonObject): JsonObject {
  const o = clone(object);
  delete o['status'];
  const metadata = objectAt(o, 'metadata');
  for (const key of SERVER_METADATA) delete metadata[key];
  switch (o['kind']) {
    case 'Deployment':
      defaultDeployment(o);
      break;
    case 'Service':
      defaultService(o);
      break;
    case 'HorizontalPodAutoscaler':
      defaultHorizontalPodAutoscaler(o);
      break;
    case 'PodDisruptionBudget':
      defaultPodDisruptionBudget(o);
      break;
    case 'ServiceAccount':
      defaultServiceAccount(o);
      break;
    case 'NetworkPolicy':
      defaultNetworkPolicy(o);
      break;
  }
  return o;
}
