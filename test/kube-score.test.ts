// kube-score (github.com/zegl/kube-score v1.20.0, tools/testhelpers/kube-score) over `msvc render`
// of every example: no pod is left without a NetworkPolicy (kube-score's pod-networkpolicy check
// wants an ingress and an egress policy that select the pod). The other findings are printed, not
// asserted: some are choices the project made on purpose (docs/development.md).
// The examples come through exampleMicroServices and go to kube-score as JSON documents, not
// through cli/ (test support may import anything but cli/: test/architecture.test.ts).
import { describe, expect, it } from 'vitest';
import { render } from '../render/index.ts';
import { exampleMicroServices } from './support/cdk8s.ts';
import { kubeScore, testHelpersDir } from './support/oracles.ts';

describe('kube-score over the rendered examples', () => {
  it('finds no pod without a NetworkPolicy, and reports the rest', () => {
    testHelpersDir();
    const services = exampleMicroServices();
    const objects = services.flatMap(({ ms }) => render(ms).objects);
    const findings = kubeScore(objects.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
    const others = findings.filter((f) => f.check !== 'pod-networkpolicy');
    console.log(
      `kube-score, ${services.length} examples, findings other than pod-networkpolicy:\n${others
        .map((f) => `  ${f.object} ${f.check} (grade ${f.grade}): ${f.comments.join('; ')}`)
        .join('\n')}`,
    );
    expect(objects.filter((o) => o.kind === 'Deployment').length).toBe(services.length);
    expect(findings.filter((f) => f.check === 'pod-networkpolicy')).toEqual([]);
  }, 1_800_000);
});
