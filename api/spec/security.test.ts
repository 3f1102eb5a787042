import { describe, expect, it } from 'vitest';
import { parseSpec } from '../validate.ts';
import { resolvePodSecurityContext } from './security.ts';

const issuesOf = (over: Record<string, unknown>) => {
  const r = parseSpec({ image: 'nginx:1.27', ...over });
  return r.ok ? [] : r.issues;
};

describe('spec.securityContext', () => {
  it('defaults to the distroless nonroot user, with the restricted settings around it', () => {
    expect(resolvePodSecurityContext({})).toStrictEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('takes the given IDs, groups and change policy', () => {
    expect(
      resolvePodSecurityContext({
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 3000,
          fsGroup: 2000,
          supplementalGroups: [4000],
          fsGroupChangePolicy: 'OnRootMismatch',
        },
      }),
    ).toStrictEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 3000,
      fsGroup: 2000,
      supplementalGroups: [4000],
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  const rejected = [
    {
      name: 'runAsUser 0',
      input: { securityContext: { runAsUser: 0 } },
      path: 'spec.securityContext.runAsUser',
      message: /'Running as Non-root user'/,
    },
    {
      name: 'runAsGroup 0',
      input: { securityContext: { runAsGroup: 0 } },
      path: 'spec.securityContext.runAsGroup',
      message: /root group/,
    },
    {
      name: 'a root supplemental group',
      input: { securityContext: { supplementalGroups: [0] } },
      path: 'spec.securityContext.supplementalGroups[0]',
      message: /root group/,
    },
    {
      name: 'privileged',
      input: { securityContext: { privileged: true } },
      path: 'spec.securityContext',
      message: /'Privileged Containers'/,
    },
    {
      name: 'added capabilities',
      input: { securityContext: { capabilities: { add: ['NET_ADMIN'] } } },
      path: 'spec.securityContext',
      message: /'Capabilities'/,
    },
    {
      name: 'runAsNonRoot false',
      input: { securityContext: { runAsNonRoot: false } },
      path: 'spec.securityContext',
      message: /'Running as Non-root'/,
    },
  ];
  it.each(rejected)('rejects $name with the PSA rule it breaks', ({ input, path, message }) => {
    const at = issuesOf(input).filter((i) => i.path === path);
    expect(at.map((i) => i.message).join('\n')).toMatch(message);
  });
});
