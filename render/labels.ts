// Labels and selectors, from one helper so they can never disagree. The selector is a fixed,
// user-proof subset: a Deployment's selector is immutable, so it holds nothing that can change
// (no version, no hash). Every call returns a fresh map; renderers never share mutable maps.
import type { MicroService } from '../api/index.ts';
import type { RenderConfig } from './types.ts';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_VERSION = 'app.kubernetes.io/version';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

/** The pod selector: `app.kubernetes.io/name=<name>`, also written to status.selector for the scale subresource. */
export function selectorLabels(ms: MicroService): Record<string, string> {
  return { [LABEL_NAME]: ms.metadata.name };
}

export function selectorString(ms: MicroService): string {
  return Object.entries(selectorLabels(ms))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Versions by image: every object's labels ask for it (ServiceAccount, Service, Deployment, pods, budget). */
const versions = new Map<string, string | null>();
const VERSIONS_MAX = 10_000;

/**
 * The version label from the image tag (`registry/app:1.4.2@sha256:…` → `1.4.2`), when it is a valid
 * label value; digests alone say nothing to a person, so they are left out.
 */
export function imageVersion(image: string): string | undefined {
  let version = versions.get(image);
  if (version === undefined) {
    version = tagOf(image) ?? null;
    if (versions.size < VERSIONS_MAX) versions.set(image, version);
  }
  return version ?? undefined;
}

function tagOf(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) return undefined;
  const tag = withoutDigest.slice(colon + 1);
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(tag) ? tag : undefined;
}

/** The recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export function commonLabels(ms: MicroService, cfg: RenderConfig): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL_NAME]: ms.metadata.name,
    [LABEL_INSTANCE]: ms.metadata.name,
  };
  const version = imageVersion(ms.spec.image);
  if (version) labels[LABEL_VERSION] = version;
  const partOf = ms.metadata.labels?.[LABEL_PART_OF];
  if (partOf) labels[LABEL_PART_OF] = partOf;
  labels[LABEL_MANAGED_BY] = cfg.managedBy;
  return labels;
}
