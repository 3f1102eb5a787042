// kube-score (github.com/zegl/kube-score v1.20.0, tools/testhelpers/kube-score) over `msvc render`
// of every example: no pod is left without a NetworkPolicy (kube-score's pod-networkpolicy check
// wants an ingress and an egress policy that select the pod). The other findings are printed, not
// asserted: some are choices the project made on purpose (docs/development.md).
import { describe, expect, it } from 'vitest';
import { load } from '../cli/input.ts';
import { toYamlStream } from '../cli/yaml.ts';
import { render } from '../render/index.ts';
import { ROOT } from './support/cli.ts';
import { kubeScore, testHelpersDir } from './support/oracles.ts';

describe('kube-score over the rendered examples', () => {
  it('finds no pod without a NetworkPolicy, and reports the rest', async () => {
    testHelpersDir();
    const { services, errors } = await load([`${ROOT}/examples`]);
    expect(errors).toStrictEqual([]);
    const objects = services.flatMap(({ value }) => render(value).objects);
    const findings = kubeScore(toYamlStream(objects.map((value) => ({ value }))));
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
