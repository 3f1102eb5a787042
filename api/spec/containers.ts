// spec.initContainers and spec.sidecars: the pod's other containers, in the shape of a Kubernetes
// Container (name, image, command/args, env/envFrom, resources, volumeMounts). Each gets the same
// `restricted` security context as the app. Sidecars are rendered as native sidecars (init
// containers with restartPolicy: Always, GA in Kubernetes 1.33:
// https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/), so they start before the
// init containers and the app, and stop after the app.
import { z } from 'zod';
import { containerFields } from './container.ts';
import { envFromSchema, envVarSchema } from './env.ts';
import { LIST_MAP_BY_NAME } from './fields.ts';
import {
  type ContainerResourcesSpec,
  extraResourcesSchema,
  RESOURCES_DEFAULTS,
  requestsWithinLimits,
  withinLimitsCel,
} from './resources.ts';
import { duplicates, type RuleIssue, type SpecRule, uniqueEntries } from './rule.ts';
import { mountCel, mountIssues, type VolumeMountSpec, type VolumeSpec, volumeMountSchema } from './volumes.ts';

/**
 * Container names the pod already uses or a mesh injector adds (istio pkg/kube/inject,
 * linkerd2 pkg/k8s/labels.go): a user container by one of these names would collide.
 */
export const RESERVED_CONTAINER_NAMES = [
  'app',
  'istio-proxy',
  'istio-init',
  'istio-validation',
  'enable-core-dump',
  'linkerd-proxy',
  'linkerd-init',
  'linkerd-network-validator',
] as const;

const withinLimits = requestsWithinLimits<{ resources?: ContainerResourcesSpec }>(
  'resources',
  'resources',
  [],
  ['cpu', 'memory', 'ephemeral-storage'],
);

/** The same rule as CEL on the resources node itself (`self` is one container's resources). */
const resourcesCel = withinLimitsCel('', ['cpu', 'memory', 'ephemeral-storage']);

const extraContainer = (what: string) =>
  z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(63)
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label: lower-case letters, digits and '-'")
        .describe(`Container name, unique in the pod (not ${RESERVED_CONTAINER_NAMES.join(', ')}).`),
      image: containerFields.image,
      imagePullPolicy: containerFields.imagePullPolicy,
      command: containerFields.command,
      args: containerFields.args,
      env: z
        .array(envVarSchema)
        .max(128)
        .superRefine(
          uniqueEntries(
            (e) => e.name,
            (e) => `env ${e.name}`,
          ),
        )
        .optional()
        .meta({ description: 'Environment variables. Names are unique.', ...LIST_MAP_BY_NAME }),
      envFrom: z.array(envFromSchema).max(16).optional().describe('ConfigMaps and Secrets imported as variables.'),
      resources: extraResourcesSchema
        .meta({ 'x-kubernetes-validations': resourcesCel })
        .optional()
        .describe(
          `Resources. With requests.cpu and no limits.cpu the container gets the app's default CPU limit, max(1, ceil(${RESOURCES_DEFAULTS.cpuLimitPerRequest} × requests.cpu)) cores (defaultCPULimit: false renders none). Counted in the pod budget (msvc.dev/pod-resources) as Kubernetes counts them.`,
        ),
      volumeMounts: z
        .array(volumeMountSchema)
        .max(16)
        .optional()
        .describe('Mounts; each names a volume in spec.volumes (or tmp). /tmp is always mounted.'),
    })
    // requests ≤ limits: zod here, CEL on each container's resources (resourcesCel; a rule over
    // every item of both lists at spec level exceeded the API server's CEL cost budget 6x).
    .superRefine((c, ctx) => {
      for (const issue of withinLimits.check({ resources: c.resources })) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
    })
    .describe(what);

export const initContainerSchema = extraContainer(
  'A container that runs to completion before the app starts (e.g. a database migration), after every sidecar has started.',
);
export const sidecarSchema = extraContainer(
  'A helper container that runs beside the app for the pod’s whole life (a log shipper, a local proxy), rendered as a native sidecar.',
);
export type ExtraContainerSpec = z.infer<typeof initContainerSchema>;

export const containersFields = {
  initContainers: z
    .array(initContainerSchema)
    .max(16)
    .optional()
    .meta({
      description:
        'Init containers, run in order before the app and after the sidecars have started. With a mesh, an init container that calls the network needs mesh.mode native-sidecar (the proxy then starts first); msvc explain says what happens in the other modes.',
      ...LIST_MAP_BY_NAME,
    }),
  sidecars: z
    .array(sidecarSchema)
    .max(16)
    .optional()
    .meta({
      description:
        'Extra containers beside the app (not the mesh proxy, which the mesh injects), rendered as native sidecars (initContainers with restartPolicy: Always) ahead of spec.initContainers, so a migration can use them.',
      ...LIST_MAP_BY_NAME,
    }),
};

type ContainersView = {
  initContainers?: ExtraContainerSpec[];
  sidecars?: ExtraContainerSpec[];
  volumes?: VolumeSpec[];
};

const LISTS = ['sidecars', 'initContainers'] as const;
const celReserved = `[${RESERVED_CONTAINER_NAMES.map((n) => `'${n}'`).join(', ')}]`;

export const CONTAINERS_RULES: readonly SpecRule<ContainersView>[] = [
  {
    id: 'extra-container-names',
    summary: `spec.initContainers/sidecars: names unique across both lists and not ${RESERVED_CONTAINER_NAMES.join(', ')}.`,
    check: (spec) => {
      const all = LISTS.flatMap((list) => (spec[list] ?? []).map((c, i) => ({ list, i, name: c.name })));
      const issues: RuleIssue[] = [];
      for (const c of all) {
        if ((RESERVED_CONTAINER_NAMES as readonly string[]).includes(c.name)) {
          issues.push({
            path: [c.list, c.i, 'name'],
            message: `${c.name} is taken by the app or a mesh container: choose another name`,
          });
        }
      }
      for (const d of duplicates(all, (c) => c.name)) {
        const c = all[d];
        if (c)
          issues.push({
            path: [c.list, c.i, 'name'],
            message: `${c.name} is used by another container: names are unique in the pod`,
          });
      }
      return issues;
    },
    // Within each list: x-kubernetes-list-type map with key name (crd.ts).
    cel: [
      {
        rule: `${LISTS.map((l) => `(!has(self.${l}) || self.${l}.all(c, !(c.name in ${celReserved})))`).join(' && ')}`,
        message: `spec.initContainers/sidecars: a name is taken by the app or a mesh container (${RESERVED_CONTAINER_NAMES.join(', ')}): choose another`,
        fieldPath: '.initContainers',
      },
      {
        rule: '!has(self.initContainers) || !has(self.sidecars) || self.initContainers.all(c, !self.sidecars.exists(s, s.name == c.name))',
        message: 'spec.initContainers/sidecars: a name is used twice: names are unique in the pod',
        fieldPath: '.initContainers',
      },
    ],
    invalidExamples: [
      { initContainers: [{ name: 'istio-proxy', image: 'busybox' }] },
      { initContainers: [{ name: 'x', image: 'busybox' }], sidecars: [{ name: 'x', image: 'busybox' }] },
    ],
  },
  ...LISTS.map(
    (list): SpecRule<ContainersView> => ({
      id: `${list}-mounts-declared-and-unique`,
      summary: `spec.${list}[].volumeMounts: each names a declared volume (or tmp); paths unique per container, /tmp taken.`,
      check: (spec) =>
        (spec[list] ?? []).flatMap((c, i) =>
          mountIssues(spec.volumes, c.volumeMounts as VolumeMountSpec[] | undefined, [list, i, 'volumeMounts']),
        ),
      cel: mountCel('c.volumeMounts', `spec.${list}[].volumeMounts`, `.${list}`).map((r) => ({
        ...r,
        rule: `!has(self.${list}) || self.${list}.all(c, ${r.rule})`,
      })),
      invalidExamples: [
        { [list]: [{ name: 'x', image: 'busybox', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }] },
      ],
    }),
  ),
];
