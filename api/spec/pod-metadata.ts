// spec.podLabels and spec.podAnnotations: the user's own pod metadata, beside the keys the
// renderer owns (recommended labels, the template hash, every mesh key).
import { z } from 'zod';
import { ANNOTATIONS_TOTAL_MAX, annotationsSize } from '../metadata.ts';
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

/**
 * What spec.podAnnotations may take of the pod template's 256 KiB annotation budget: the rest is kept
 * for the annotations the renderer adds beside them (the mesh keys, a few hundred bytes today).
 */
export const POD_ANNOTATIONS_MAX_BYTES = ANNOTATIONS_TOTAL_MAX - 16 * 1024;

export const POD_METADATA_RULES: readonly SpecRule<PodMetadataView>[] = [
  {
    id: 'pod-annotations-size',
    summary: `spec.podAnnotations: keys and values take at most ${POD_ANNOTATIONS_MAX_BYTES} bytes (the API server's 256 KiB per object, less 16 KiB kept for the operator's own pod annotations).`,
    check: (spec) => {
      const size = annotationsSize(spec.podAnnotations ?? {});
      return size > POD_ANNOTATIONS_MAX_BYTES
        ? [
            {
              path: ['podAnnotations'],
              message: `take ${size} bytes (keys and values): at most ${POD_ANNOTATIONS_MAX_BYTES} fit beside the operator's own pod annotations under the API server's 256 KiB; move large values to a ConfigMap`,
            },
          ]
        : [];
    },
    cel: [
      {
        // bytes(): Go's len() counts UTF-8 bytes, CEL's size() of a string counts code points.
        rule: `!has(self.podAnnotations) || self.podAnnotations.map(k, bytes(k).size() + bytes(self.podAnnotations[k]).size()).sum() <= ${POD_ANNOTATIONS_MAX_BYTES}`,
        message: `spec.podAnnotations: keys and values take more than ${POD_ANNOTATIONS_MAX_BYTES} bytes: move large values to a ConfigMap`,
        fieldPath: '.podAnnotations',
      },
    ],
    invalidExamples: [
      {
        podAnnotations: Object.fromEntries(
          Array.from({ length: 4 }, (_, i) => [`example.com/blob-${i}`, 'x'.repeat(62000)]),
        ),
      },
    ],
  },
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
