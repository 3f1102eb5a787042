// The pod's volumes and the app container's mounts: the user's, as given (Kubernetes shapes), plus
// the writable /tmp that keeps a read-only root filesystem usable (api/spec/volumes.ts).
import {
  copyData,
  resolveVolumes,
  TMP_MOUNT_PATH,
  TMP_VOLUME,
  type VolumeMountSpec,
  type VolumeSpec,
} from '../api/index.ts';

/** spec.template.spec.volumes: the default `tmp` first (unless the spec declares its own), then the spec's. */
export function renderVolumes(spec: { volumes?: VolumeSpec[] }): Record<string, unknown>[] {
  const volumes = resolveVolumes(spec);
  const tmp = volumes.filter((v) => v.name === TMP_VOLUME && !(spec.volumes ?? []).includes(v));
  return [...tmp, ...(spec.volumes ?? [])].map((v) => copyData(v) as Record<string, unknown>);
}

/** A container's volumeMounts: /tmp first, then the given ones. */
export function renderVolumeMounts(mounts: readonly VolumeMountSpec[] | undefined): Record<string, unknown>[] {
  return [
    { name: TMP_VOLUME, mountPath: TMP_MOUNT_PATH },
    ...(mounts ?? []).map((m) => copyData(m) as Record<string, unknown>),
  ];
}
