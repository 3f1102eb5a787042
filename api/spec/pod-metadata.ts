// spec.podLabels and spec.podAnnotations: the user's own pod metadata, beside the keys the
// renderer owns (recommended labels, the template hash, every mesh key).
import { z } from 'zod';
import { LABEL_VALUE, metadataMap } from './fields.ts';
import type { SpecRule } from './rule.ts';

export const podMetadataFields = {
  podLabels: metadataMap(
    z
      .string()
      .max(63)
      .regex(new RegExp(LABEL_VALUE), 'must be a label value: at most 63 characters, alphanumerics, -, _ and .'),
  )
    .optional()
    .describe(
      'Extra labels on the pods (e.g. team or cost-center). Keys the operator sets (app.kubernetes.io/*, mesh keys) are reserved.',
    ),
  podAnnotations: metadataMap(z.string().max(65536))
    .optional()
    .describe(
      'Extra annotations on the pods (e.g. prometheus.io/scrape). Mesh keys are reserved: set them through spec.mesh.',
    ),
};

type PodMetadataView = { podLabels?: Record<string, string>; podAnnotations?: Record<string, string> };

/**
 * Pod label and annotation keys the renderer owns: the recommended labels and every key a mesh
 * injector reads (docs/mesh.md). User values there would silently fight spec.mesh.
 */
export const RESERVED_POD_KEY_PREFIXES = [
  'app.kubernetes.io/',
  'msvc.dev/pod-template-hash',
  'sidecar.istio.io/',
  'proxy.istio.io/',
  'traffic.sidecar.istio.io/',
  'istio.io/',
  'linkerd.io/',
  'config.linkerd.io/',
  'config.alpha.linkerd.io/',
  'config.beta.linkerd.io/',
] as const;

const reservedKey = (key: string) => RESERVED_POD_KEY_PREFIXES.some((p) => key.startsWith(p));
const celReserved = (map: string) =>
  `!has(self.${map}) || self.${map}.all(k, !(${RESERVED_POD_KEY_PREFIXES.map((p) => `k.startsWith('${p}')`).join(' || ')}))`;

export const POD_METADATA_RULES: readonly SpecRule<PodMetadataView>[] = [
  {
    id: 'pod-metadata-not-reserved',
    summary: `spec.podLabels/podAnnotations: keys under ${RESERVED_POD_KEY_PREFIXES.join(', ')} are set by the operator (use spec.mesh for mesh keys).`,
    check: (spec) =>
      (['podLabels', 'podAnnotations'] as const).flatMap((map) =>
        Object.keys(spec[map] ?? {})
          .filter(reservedKey)
          .map((key) => ({
            path: [map, key],
            message: `is reserved: the operator sets ${key.split('/')[0]}/ keys${/istio|linkerd/.test(key) ? ' from spec.mesh' : ''}; remove it`,
          })),
      ),
    cel: (['podLabels', 'podAnnotations'] as const).map((map) => ({
      rule: celReserved(map),
      message: `spec.${map}: a key is reserved for the operator (app.kubernetes.io/, msvc.dev/pod-template-hash and mesh keys; use spec.mesh): remove it`,
      fieldPath: `.${map}`,
    })),
    invalidExamples: [
      { podAnnotations: { 'sidecar.istio.io/inject': 'true' } },
      { podLabels: { 'app.kubernetes.io/name': 'other' } },
    ],
  },
];
