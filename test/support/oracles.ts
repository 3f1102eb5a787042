// Oracles from Kubernetes' own Go code (tools/testhelpers): what resource.ParseQuantity makes of a
// quantity, what `kubectl apply -f` decodes a YAML stream to (sigs.k8s.io/yaml), and what Istio's
// injector makes of a Deployment (istio.io/istio/pkg/kube/inject). Built once by
// tools/testhelpers/build.sh into the cache (seconds when go.mod/go.sum/sources are unchanged).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../tools/bin.ts';

let dir: string | undefined;

/** The directory of the built helpers; builds them first if their sources changed. */
export function testHelpersDir(): string {
  if (dir === undefined) {
    dir = execFileSync('bash', [join(repoRoot, 'tools', 'testhelpers', 'build.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  }
  return dir;
}

export interface GoQuantity {
  readonly input: string;
  readonly ok: boolean;
  /** The exact value after Kubernetes' rounding, as inf.Dec prints it, e.g. "1610612736.000000000". */
  readonly dec?: string;
  /** The canonical form the API server would return, e.g. "1536Mi". */
  readonly string?: string;
  readonly error?: string;
}

/** resource.ParseQuantity of each input (one process for all). */
export function goParseQuantities(inputs: readonly string[]): GoQuantity[] {
  const out = execFileSync(join(testHelpersDir(), 'parse-quantity'), {
    input: JSON.stringify(inputs),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as GoQuantity[];
}

export type KubectlDocument = { ok: true; json: unknown } | { ok: false; error: string };

/** The documents of a YAML stream as kubectl decodes them (empty documents skipped). */
export function kubectlDecode(yaml: string): KubectlDocument[] {
  return jsonLines<KubectlDocument>('kubectl-decode', [], yaml);
}

/** Runs a helper on `input` and parses the JSON line it prints per document. */
function jsonLines<T>(helper: string, args: readonly string[], input: string): T[] {
  const out = execFileSync(join(testHelpersDir(), helper), args, {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/** One document after Istio's injection (tools/testhelpers/cmd/istio-inject). */
export type IstioInjected =
  | {
      ok: true;
      kind: string;
      name: string;
      /** The object after injection; a kind Istio does not inject into comes back unchanged. */
      object: Record<string, unknown>;
      warnings?: string[];
      /** Deployments: the injected pod's effective requests and limits, by Kubernetes' own resource helpers. */
      pod?: { requests: Record<string, string>; limits: Record<string, string> };
    }
  | { ok: false; kind?: string; name?: string; error: string };

/**
 * Istio's own sidecar injection (istio.io/istio/pkg/kube/inject, as `istioctl kube-inject` runs it
 * offline) over a YAML stream, with the injection templates and chart values of the pinned Istio
 * module; `cni`: istio-cni installed (no istio-init).
 */
export function istioInject(yaml: string, { cni = false } = {}): IstioInjected[] {
  return jsonLines<IstioInjected>('istio-inject', cni ? ['-cni'] : [], yaml);
}

/** One kube-score check on one object (`kube-score score -o json`). */
export interface KubeScoreFinding {
  readonly object: string;
  readonly check: string;
  readonly name: string;
  /** kube-score's grade: 10 all good, 7 almost, 5 warning, 1 critical. */
  readonly grade: number;
  readonly comments: readonly string[];
}

/** kube-score v1.20.0 (tools/testhelpers/kube-score) over a YAML stream: every check that did not pass. */
export function kubeScore(yaml: string): KubeScoreFinding[] {
  const result = spawnSync(join(testHelpersDir(), 'kube-score'), ['score', '-o', 'json', '-'], {
    input: yaml,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  // Exit 1 means findings; anything else without output is a failure to run.
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`kube-score: exit ${result.status}: ${result.stderr}`);
  type Check = {
    check: { id: string; name: string };
    grade: number;
    skipped: boolean;
    comments?: { path: string; summary: string }[] | null;
  };
  const objects = JSON.parse(result.stdout) as {
    type_meta: { kind: string };
    object_meta: { name: string };
    checks: Check[];
  }[];
  return objects.flatMap((o) =>
    o.checks
      .filter((c) => !c.skipped && c.grade < 10)
      .map((c) => ({
        object: `${o.type_meta.kind}/${o.object_meta.name}`,
        check: c.check.id,
        name: c.check.name,
        grade: c.grade,
        comments: (c.comments ?? []).map((x) => (x.path ? `${x.path}: ${x.summary}` : x.summary)),
      })),
  );
}
