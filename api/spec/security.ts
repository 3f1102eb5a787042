// spec.securityContext: the pod's user and groups, kept inside the `restricted` Pod Security level
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted). The operator
// always renders runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, all capabilities
// dropped and a read-only root filesystem; this section only chooses the IDs.
//
// Default UID and GID 65532: the `nonroot` user of the distroless images
// (https://github.com/GoogleContainerTools/distroless, "nonroot" tags). A numeric default is what
// makes runAsNonRoot verifiable for every image: with an image whose USER is a name (or unset) the
// kubelet cannot prove it is not root and refuses to start the container
// (CreateContainerConfigError, https://kubernetes.io/docs/tasks/configure-pod-container/security-context/).
// fsGroup 65532 makes mounted volumes (PVCs, the writable /tmp) group-writable for that user. An
// image built for another UID sets it here.
import { z } from 'zod';
import { PSS_URL } from './pod-security.ts';

const MAX_ID = 2147483647;
const id = (what: string, zeroMessage: string) => z.int().min(1, zeroMessage).max(MAX_ID).describe(what);

const ROOT_USER = `0 is root: the restricted Pod Security rule 'Running as Non-root user' forbids runAsUser 0 (${PSS_URL}#restricted); use a non-zero UID such as 65532`;
const ROOT_GROUP =
  '0 is the root group, which grants root-group file access; the MicroService API keeps every ID non-zero: use e.g. 65532';

export const securityContextSchema = z
  .strictObject({
    runAsUser: id('UID the containers run as. Default 65532 (distroless nonroot).', ROOT_USER).optional(),
    runAsGroup: id('Primary GID of the containers. Default 65532.', ROOT_GROUP).optional(),
    fsGroup: id(
      'GID that owns mounted volumes (and is added to the containers). Default 65532.',
      ROOT_GROUP,
    ).optional(),
    supplementalGroups: z
      .array(id('A supplemental GID.', ROOT_GROUP))
      .max(32)
      .optional()
      .describe('Extra GIDs of the containers.'),
    fsGroupChangePolicy: z
      .enum(['OnRootMismatch', 'Always'])
      .optional()
      .describe(
        'OnRootMismatch skips the recursive chown of a volume that already has the right owner (faster for big volumes).',
      ),
  })
  .describe(
    'User and groups of the pod (Kubernetes PodSecurityContext fields that stay inside the restricted Pod Security level). Everything else restricted demands is rendered by the operator.',
  );

export type SecurityContextSpec = z.infer<typeof securityContextSchema>;

export const SECURITY_DEFAULTS = {
  securityContext: { runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 },
} as const;

export const securityFields = {
  securityContext: securityContextSchema
    .optional()
    .describe(
      'User and groups of the pod. Default: runAsUser, runAsGroup and fsGroup 65532 (distroless nonroot), so runAsNonRoot holds for every image, even one whose USER is a name.',
    ),
};

/** The pod's securityContext: the restricted settings the operator owns, with the IDs resolved. */
export function resolvePodSecurityContext(spec: { securityContext?: SecurityContextSpec }): Record<string, unknown> {
  const given = spec.securityContext ?? {};
  const d = SECURITY_DEFAULTS.securityContext;
  return {
    runAsNonRoot: true,
    runAsUser: given.runAsUser ?? d.runAsUser,
    runAsGroup: given.runAsGroup ?? d.runAsGroup,
    fsGroup: given.fsGroup ?? d.fsGroup,
    ...(given.supplementalGroups ? { supplementalGroups: [...given.supplementalGroups] } : {}),
    ...(given.fsGroupChangePolicy ? { fsGroupChangePolicy: given.fsGroupChangePolicy } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
