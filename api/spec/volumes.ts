// spec.volumes and spec.volumeMounts: files and scratch space for the pod, in the shapes of the
// Kubernetes Volume and VolumeMount (https://kubernetes.io/docs/concepts/storage/volumes/). Only the
// volume types the `restricted` Pod Security level allows are offered (configMap, secret, emptyDir,
// persistentVolumeClaim, projected, downwardAPI, csi:
// https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted, "Volume Types").
// The root filesystem stays read-only: the writable /tmp is the `tmp` emptyDir below, which a
// volume of the same name replaces.
import { z } from 'zod';
import { copyData } from '../copy.ts';
import { CONFIG_MAP_KEY, ENV_RESOURCE } from '../patterns.ts';
import { divisor, dns1123, LIST_MAP_BY_NAME, quantity, withValidDivisor } from './fields.ts';
import { duplicates, type RuleIssue, type SpecRule } from './rule.ts';

/** A DNS-1123 label (volume names, as the API server demands). */
const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/**
 * A relative path without empty, `.` or `..` segments (the API server rejects `..` and absolute
 * paths in item paths and subPath). Written without look-ahead: CRD patterns are RE2.
 */
export const RELATIVE_PATH = '^([^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+)(/([^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+))*$';
/**
 * A file path inside a volume (item paths, downward API files, token paths): a {@link RELATIVE_PATH}
 * that does not start with '..' either (`validateLocalNonReservedPath`: the kubelet's atomic writer
 * keeps its `..data` link and timestamped folders there).
 */
export const FILE_PATH = '^([^/.][^/]*|\\.[^/.][^/]*)(/([^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+))*$';
/** An absolute path without empty segments or a trailing '/' (so that equal paths are equal strings). */
const ABSOLUTE_PATH = '^(/[^/]+)+$';

/** Pod fields a downward API volume can hold (unlike env, whole label and annotation maps). */
const VOLUME_FIELD_PATH =
  "^metadata\\.(name|namespace|uid|labels|annotations|labels\\['[^']+'\\]|annotations\\['[^']+'\\])$";

export const TMP_VOLUME = 'tmp';
export const TMP_MOUNT_PATH = '/tmp';

export const volumeName = z
  .string()
  .min(1)
  .max(63)
  .regex(new RegExp(DNS1123_LABEL), "must be a DNS-1123 label: lower-case letters, digits and '-'")
  .describe('Volume name: a DNS-1123 label, unique in the pod.');

const relativePath = (description: string) =>
  z
    .string()
    .min(1)
    .max(4096)
    .regex(new RegExp(RELATIVE_PATH), "must be a relative path without '..' (e.g. config.yaml or tls/tls.crt)")
    .describe(description);

/** A path in a volume: a relative path that does not start with '..'. */
const filePath = (description: string) =>
  z
    .string()
    .min(1)
    .max(4096)
    .regex(
      new RegExp(FILE_PATH),
      "must be a relative path without '..', not starting with '..' (e.g. config.yaml or tls/tls.crt)",
    )
    .describe(description);

const fileMode = (description: string) =>
  z
    .int()
    .min(0)
    .max(0o777)
    .describe(
      `${description} Write the decimal value (288 for 0440, 420 for 0644): an unquoted 0440 is 440 to YAML 1.2 and 288 to kubectl, so msvc rejects it. Between 0 and 511 (0777).`,
    );

const keyToPath = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(new RegExp(CONFIG_MAP_KEY), "must be a key: letters, digits, '-', '_' and '.'")
      .describe('The key to project.'),
    path: filePath('File the key is written to, relative to the mount point.'),
    mode: fileMode('File mode of this file.').optional(),
  })
  .describe('Projects one key to a file.');

const items = z
  .array(keyToPath)
  .max(64)
  .optional()
  .describe('Only these keys, at these paths. Default: every key, as a file named after it.');

const downwardAPIFile = z
  .strictObject({
    path: filePath('File the value is written to, relative to the mount point.'),
    fieldRef: z
      .strictObject({
        fieldPath: z
          .string()
          .min(1)
          .max(256)
          .regex(
            new RegExp(VOLUME_FIELD_PATH),
            "must be a pod field a downward API volume offers: metadata.name, namespace, uid, labels, annotations, labels['k'], annotations['k']",
          )
          .describe('Pod field, e.g. metadata.labels or metadata.annotations.'),
      })
      .optional()
      .describe('A field of the pod.'),
    resourceFieldRef: withValidDivisor(
      z.strictObject({
        containerName: z.string().min(1).max(63).describe('Container whose resource is exposed.'),
        resource: z
          .string()
          .min(1)
          .max(64)
          .regex(new RegExp(ENV_RESOURCE), 'must be limits.cpu, limits.memory, requests.cpu, requests.memory, …')
          .describe('limits.cpu, requests.memory, …'),
        divisor: divisor.optional(),
      }),
    )
      .optional()
      .describe('A resource request or limit of a container (containerName is required in volumes).'),
    mode: fileMode('File mode of this file.').optional(),
  })
  .describe('One downward API file: exactly one of fieldRef and resourceFieldRef.');

const downwardAPIFiles = z.array(downwardAPIFile).max(64).describe('The files.');

const configMapVolume = z
  .strictObject({
    name: dns1123('ConfigMap name.'),
    items,
    defaultMode: fileMode('File mode of the files. Default 0644 (420).').optional(),
    optional: z.boolean().optional().describe('Start even if the ConfigMap or a key is missing.'),
  })
  .describe('Files from a ConfigMap, one per key.');

const secretVolume = z
  .strictObject({
    secretName: dns1123('Secret name.'),
    items,
    defaultMode: fileMode(
      'File mode of the files. Default 0644 (420); 0440 (288) keeps them from other users.',
    ).optional(),
    optional: z.boolean().optional().describe('Start even if the Secret or a key is missing.'),
  })
  .describe('Files from a Secret, one per key (e.g. tls.crt and tls.key).');

const emptyDirVolume = z
  .strictObject({
    medium: z
      .enum(['', 'Memory'])
      .optional()
      .describe("Storage medium: '' (the node's disk, default) or Memory (tmpfs, counted against the memory limit)."),
    sizeLimit: quantity(
      'Largest size of the volume; the kubelet evicts the pod when it is exceeded. Set one: policy engines flag unbounded emptyDirs.',
    ).optional(),
  })
  .describe('Scratch space that lives as long as the pod.');

const persistentVolumeClaimVolume = z
  .strictObject({
    claimName: dns1123('PersistentVolumeClaim name, in the same namespace.'),
    readOnly: z.boolean().optional().describe('Mount read-only.'),
  })
  .describe(
    'An existing PersistentVolumeClaim. With more than one replica the claim needs ReadWriteMany or ReadOnlyMany.',
  );

const projectedSource = z
  .strictObject({
    configMap: z
      .strictObject({
        name: dns1123('ConfigMap name.'),
        items,
        optional: z.boolean().optional().describe('Start even if it is missing.'),
      })
      .optional()
      .describe('Keys of a ConfigMap.'),
    secret: z
      .strictObject({
        name: dns1123('Secret name.'),
        items,
        optional: z.boolean().optional().describe('Start even if it is missing.'),
      })
      .optional()
      .describe('Keys of a Secret.'),
    downwardAPI: z.strictObject({ items: downwardAPIFiles.optional() }).optional().describe('Pod fields.'),
    serviceAccountToken: z
      .strictObject({
        audience: z.string().max(253).optional().describe('Audience of the token. Default: the API server.'),
        expirationSeconds: z
          .int()
          .min(600)
          .max(2 ** 32 - 1)
          .optional()
          .describe('Requested lifetime; the kubelet renews the token before it expires. At least 600. Default 3600.'),
        path: filePath('File the token is written to.'),
      })
      .optional()
      .describe(
        'A bound, audience-scoped ServiceAccount token (e.g. for a vault or a cloud identity), independent of serviceAccount.automountToken.',
      ),
  })
  .describe('One source of a projected volume: exactly one of configMap, secret, downwardAPI, serviceAccountToken.');

const projectedVolume = z
  .strictObject({
    sources: z.array(projectedSource).min(1).max(16).describe('The sources, merged into one directory.'),
    defaultMode: fileMode('File mode of the files. Default 0644 (420).').optional(),
  })
  .describe('Several sources in one directory.');

const csiVolume = z
  .strictObject({
    driver: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/, 'must be a CSI driver name such as secrets-store.csi.k8s.io')
      .describe('CSI driver name, e.g. secrets-store.csi.k8s.io.'),
    readOnly: z.boolean().optional().describe('Mount read-only.'),
    fsType: z.string().max(63).optional().describe('Filesystem type, e.g. ext4.'),
    volumeAttributes: z
      .record(z.string().max(253), z.string().max(4096))
      .optional()
      .meta({ description: 'Driver-specific attributes.', maxProperties: 64 }),
    nodePublishSecretRef: z
      .strictObject({ name: dns1123('Secret name.') })
      .optional()
      .describe('Secret the driver gets for NodePublishVolume.'),
  })
  .describe('An inline CSI volume (e.g. the Secrets Store CSI driver).');

export const VOLUME_SOURCES = [
  'configMap',
  'secret',
  'emptyDir',
  'persistentVolumeClaim',
  'projected',
  'downwardAPI',
  'csi',
] as const;

export const volumeSchema = z
  .strictObject({
    name: volumeName,
    configMap: configMapVolume.optional(),
    secret: secretVolume.optional(),
    emptyDir: emptyDirVolume.optional(),
    persistentVolumeClaim: persistentVolumeClaimVolume.optional(),
    projected: projectedVolume.optional(),
    downwardAPI: z
      .strictObject({
        items: downwardAPIFiles.optional(),
        defaultMode: fileMode('File mode of the files. Default 0644 (420).').optional(),
      })
      .optional()
      .describe('Pod fields as files.'),
    csi: csiVolume.optional(),
  })
  .describe(
    `A pod volume: a name and exactly one source (${VOLUME_SOURCES.join(', ')}); these are the types the restricted Pod Security level allows.`,
  );

export const volumeMountSchema = z
  .strictObject({
    name: volumeName.describe(`Volume to mount: one in spec.volumes, or ${TMP_VOLUME} (the writable /tmp).`),
    mountPath: z
      .string()
      .min(1)
      .max(512)
      .regex(new RegExp(ABSOLUTE_PATH), "must be an absolute path such as /etc/order, without a trailing '/'")
      .describe('Where the volume appears in the container. Unique per container; /tmp is taken by the tmp volume.'),
    readOnly: z.boolean().optional().describe('Mount read-only (what a config file or certificate wants).'),
    subPath: relativePath(
      'Mount only this path inside the volume. A subPath mount of a ConfigMap or Secret does not see updates.',
    ).optional(),
  })
  .describe('A volume mounted into the app container.');

export type VolumeSpec = z.infer<typeof volumeSchema>;
export type VolumeMountSpec = z.infer<typeof volumeMountSchema>;

export const VOLUMES_DEFAULTS = {
  /**
   * The writable /tmp: an emptyDir on the node's disk, bounded so that a runaway writer is evicted
   * instead of filling the node (and so that policy engines that flag unbounded emptyDirs pass).
   */
  tmpVolume: { name: TMP_VOLUME, emptyDir: { sizeLimit: '1Gi' } },
} as const;

export const volumesFields = {
  volumes: z
    .array(volumeSchema)
    .max(64)
    .optional()
    .meta({
      description: `Volumes of the pod (Kubernetes Volume, restricted types only). The pod always has a writable /tmp: the emptyDir \`${TMP_VOLUME}\` (sizeLimit ${VOLUMES_DEFAULTS.tmpVolume.emptyDir.sizeLimit}), which a volume named ${TMP_VOLUME} here replaces.`,
      ...LIST_MAP_BY_NAME,
    }),
  volumeMounts: z
    .array(volumeMountSchema)
    .max(32)
    .optional()
    .describe(
      'Mounts of the app container (Kubernetes VolumeMount). Each names a volume in spec.volumes (or tmp); mount paths are unique and /tmp is taken. The root filesystem stays read-only.',
    ),
};

type VolumesView = { volumes?: VolumeSpec[]; volumeMounts?: VolumeMountSpec[] };

/** The pod's volumes as rendered: the user's, plus the default `tmp` unless one of theirs is named so. */
export function resolveVolumes(spec: { volumes?: VolumeSpec[] }): VolumeSpec[] {
  const user = spec.volumes ?? [];
  const hasTmp = user.some((v) => v.name === TMP_VOLUME);
  return hasTmp ? user : [...user, copyData(VOLUMES_DEFAULTS.tmpVolume) as VolumeSpec];
}

const sourcesOf = (v: Record<string, unknown>, keys: readonly string[]) => keys.filter((k) => v[k] !== undefined);
const celCount = (v: string, keys: readonly string[]) => keys.map((k) => `(has(${v}.${k}) ? 1 : 0)`).join(' + ');
const PROJECTED_SOURCES = ['configMap', 'secret', 'downwardAPI', 'serviceAccountToken'] as const;
/** CEL: the item paths of every configMap, secret and downwardAPI source of projected volume `v`, in one list. */
const PROJECTED_PATHS_CEL = `v.projected.sources.map(s, ${['configMap', 'secret', 'downwardAPI'].map((k) => `(has(s.${k}) && has(s.${k}.items) ? s.${k}.items.map(f, f.path) : [])`).join(' + ')}).flatten()`;

/** Mount rules shared by every container that mounts volumes (the app here; init containers and sidecars too). */
export function mountIssues(
  volumes: readonly VolumeSpec[] | undefined,
  mounts: readonly VolumeMountSpec[] | undefined,
  path: (string | number)[],
): RuleIssue[] {
  const declared = new Set([TMP_VOLUME, ...(volumes ?? []).map((v) => v.name)]);
  const list = mounts ?? [];
  const issues: RuleIssue[] = [];
  list.forEach((m, i) => {
    if (!declared.has(m.name)) {
      issues.push({
        path: [...path, i, 'name'],
        message: `names the volume ${m.name}, which spec.volumes does not declare: add it there or fix the name`,
      });
    }
    if (m.mountPath === TMP_MOUNT_PATH) {
      issues.push({
        path: [...path, i, 'mountPath'],
        message: `${TMP_MOUNT_PATH} is the writable tmp volume: mount elsewhere, or declare a volume named ${TMP_VOLUME} to replace it`,
      });
    }
  });
  for (const i of duplicates(list, (m) => m.mountPath)) {
    issues.push({
      path: [...path, i, 'mountPath'],
      message: `${list[i]?.mountPath} is mounted twice: each mount path once per container`,
    });
  }
  return issues;
}

/** The CEL twin of {@link mountIssues} for the mount list at `list` (a CEL expression over `self`). */
export function mountCel(list: string, label: string, fieldPath: string) {
  return [
    {
      rule: `!has(${list}) || ${list}.all(m, m.name == '${TMP_VOLUME}' || (has(self.volumes) && self.volumes.exists(v, v.name == m.name)))`,
      message: `${label}: a mount names a volume that spec.volumes does not declare: add it there or fix the name`,
      fieldPath,
    },
    {
      rule: `!has(${list}) || ${list}.all(m, m.mountPath != '${TMP_MOUNT_PATH}' && ${list}.exists_one(n, n.mountPath == m.mountPath))`,
      message: `${label}: mount paths must be unique, and ${TMP_MOUNT_PATH} is the writable tmp volume (declare a volume named ${TMP_VOLUME} to replace it)`,
      fieldPath,
    },
  ];
}

export const VOLUMES_RULES: readonly SpecRule<VolumesView>[] = [
  {
    id: 'volumes-one-source',
    summary: `spec.volumes: unique names; each volume has exactly one source (${VOLUME_SOURCES.join(', ')}), each projected source and downward API file exactly one.`,
    check: (spec) => {
      const volumes = spec.volumes ?? [];
      const issues: RuleIssue[] = duplicates(volumes, (v) => v.name).map((i) => ({
        path: ['volumes', i, 'name'],
        message: `${volumes[i]?.name} is declared twice: keep one`,
      }));
      volumes.forEach((v, i) => {
        const sources = sourcesOf(v, VOLUME_SOURCES);
        if (sources.length !== 1) {
          issues.push({
            path: ['volumes', i],
            message: `needs exactly one source (${VOLUME_SOURCES.join(', ')}); it has ${sources.length === 0 ? 'none' : sources.join(' and ')}`,
          });
        }
        (v.projected?.sources ?? []).forEach((s, j) => {
          if (sourcesOf(s, PROJECTED_SOURCES).length !== 1) {
            issues.push({
              path: ['volumes', i, 'projected', 'sources', j],
              message: `needs exactly one of ${PROJECTED_SOURCES.join(', ')}`,
            });
          }
        });
        const files = [
          ...(v.downwardAPI?.items ?? []).map((f, j) => ({ f, at: ['volumes', i, 'downwardAPI', 'items', j] })),
          ...(v.projected?.sources ?? []).flatMap((s, j) =>
            (s.downwardAPI?.items ?? []).map((f, k) => ({
              f,
              at: ['volumes', i, 'projected', 'sources', j, 'downwardAPI', 'items', k],
            })),
          ),
        ];
        for (const { f, at } of files) {
          if ((f.fieldRef === undefined) === (f.resourceFieldRef === undefined)) {
            issues.push({ path: at, message: 'needs exactly one of fieldRef and resourceFieldRef' });
          }
        }
      });
      return issues;
    },
    // Names: x-kubernetes-list-type map with key name (crd.ts).
    cel: [
      {
        rule: `!has(self.volumes) || self.volumes.all(v, ${celCount('v', VOLUME_SOURCES)} == 1)`,
        message: `spec.volumes: each volume needs exactly one source (${VOLUME_SOURCES.join(', ')})`,
        fieldPath: '.volumes',
      },
      {
        rule: `!has(self.volumes) || self.volumes.all(v, !has(v.projected) || v.projected.sources.all(s, ${celCount('s', PROJECTED_SOURCES)} == 1))`,
        message: `spec.volumes: each projected source needs exactly one of ${PROJECTED_SOURCES.join(', ')}`,
        fieldPath: '.volumes',
      },
      {
        rule: '!has(self.volumes) || self.volumes.all(v, (!has(v.downwardAPI) || !has(v.downwardAPI.items) || v.downwardAPI.items.all(f, has(f.fieldRef) != has(f.resourceFieldRef))) && (!has(v.projected) || v.projected.sources.all(s, !has(s.downwardAPI) || !has(s.downwardAPI.items) || s.downwardAPI.items.all(f, has(f.fieldRef) != has(f.resourceFieldRef)))))',
        message: 'spec.volumes: each downward API file needs exactly one of fieldRef and resourceFieldRef',
        fieldPath: '.volumes',
      },
    ],
    invalidExamples: [
      { volumes: [{ name: 'config', configMap: { name: 'c' }, emptyDir: {} }] },
      { volumes: [{ name: 'config' }] },
      { volumes: [{ name: 'p', projected: { sources: [{}] } }] },
      { volumes: [{ name: 'd', downwardAPI: { items: [{ path: 'labels' }] } }] },
    ],
  },
  {
    id: 'projected-paths-unique',
    summary:
      'spec.volumes[].projected: the configMap, secret and downwardAPI items of all sources write distinct files (the API server refuses "conflicting duplicate paths").',
    // k8s.io/kubernetes pkg/apis/core/validation validateProjectionSources: one set of item paths
    // across the sources (serviceAccountToken paths are not in it).
    check: (spec) => {
      const issues: RuleIssue[] = [];
      (spec.volumes ?? []).forEach((v, i) => {
        const seen = new Map<string, string>();
        (v.projected?.sources ?? []).forEach((s, j) => {
          for (const kind of ['configMap', 'secret', 'downwardAPI'] as const) {
            (s[kind]?.items ?? []).forEach((item, k) => {
              const at = `sources[${j}].${kind}.items[${k}]`;
              const first = seen.get(item.path);
              if (first === undefined) seen.set(item.path, at);
              else {
                issues.push({
                  path: ['volumes', i, 'projected', 'sources', j, kind, 'items', k, 'path'],
                  message: `${item.path} is already written by ${first} of projected volume ${v.name}: each file once`,
                });
              }
            });
          }
        });
      });
      return issues;
    },
    cel: [
      {
        // flatten and distinct: the CEL lists library of Kubernetes 1.34+ (ext.Lists version 3).
        rule: `!has(self.volumes) || self.volumes.all(v, !has(v.projected) || ${PROJECTED_PATHS_CEL}.size() == ${PROJECTED_PATHS_CEL}.distinct().size())`,
        message:
          'spec.volumes: the items of a projected volume (configMap, secret and downwardAPI, across its sources) must write distinct paths',
        fieldPath: '.volumes',
      },
    ],
    invalidExamples: [
      {
        volumes: [
          {
            name: 'p',
            projected: {
              sources: [
                { configMap: { name: 'a', items: [{ key: 'k', path: 'f' }] } },
                { secret: { name: 'b', items: [{ key: 'k', path: 'f' }] } },
              ],
            },
          },
        ],
      },
      {
        volumes: [
          {
            name: 'p',
            projected: {
              sources: [
                {
                  configMap: {
                    name: 'a',
                    items: [
                      { key: 'k', path: 'f' },
                      { key: 'l', path: 'f' },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    ],
  },
  {
    id: 'volume-mounts-declared-and-unique',
    summary: `spec.volumeMounts: each names a declared volume (or ${TMP_VOLUME}); mount paths are unique and ${TMP_MOUNT_PATH} is taken by the tmp volume.`,
    check: (spec) => mountIssues(spec.volumes, spec.volumeMounts, ['volumeMounts']),
    cel: mountCel('self.volumeMounts', 'spec.volumeMounts', '.volumeMounts'),
    invalidExamples: [
      { volumeMounts: [{ name: 'missing', mountPath: '/etc/x' }] },
      {
        volumes: [{ name: 'a', emptyDir: {} }],
        volumeMounts: [
          { name: 'a', mountPath: '/data' },
          { name: 'tmp', mountPath: '/data' },
        ],
      },
      { volumes: [{ name: 'a', emptyDir: {} }], volumeMounts: [{ name: 'a', mountPath: '/tmp' }] },
    ],
  },
];
