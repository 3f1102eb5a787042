// `msvc render`: MicroServices in, every rendered Kubernetes object out as one YAML stream, ready
// for `kubectl apply -f -`. All input is validated before anything is printed, so a bad document
// never leaves half a stream in a pipe.
import { labelValueProblem, type MicroService } from '../../api/index.ts';
import { DEFAULT_RENDER_CONFIG, policyNamespaceGuesses, type RenderConfig, renderObjects } from '../../render/index.ts';
import { displayName, load, type UserError } from '../input.ts';
import { EXIT_OK, type Io, reportErrors, reportSkipped } from '../io.ts';
import type { KubectlNamespace } from '../kube-namespace.ts';
import { type StreamDocument, toYamlStream } from '../yaml.ts';

export interface RenderOptions {
  readonly filename: readonly string[];
  /** Value of app.kubernetes.io/managed-by on every object. */
  readonly managedBy?: string;
  /** Namespace of MicroServices without metadata.namespace (as `kubectl apply -n`). */
  readonly namespace?: string;
}

export async function runRender(options: RenderOptions, io: Io): Promise<number> {
  // It becomes a label value on every object: one the API server would refuse fails here instead.
  const managedByProblem = options.managedBy === undefined ? undefined : labelValueProblem(options.managedBy);
  if (managedByProblem !== undefined) {
    return reportErrors(io, [
      {
        where: 'msvc render',
        path: '--managed-by',
        message: `${JSON.stringify(options.managedBy)} ${managedByProblem}`,
      },
    ]);
  }
  const loaded = await load(options.filename, () => io.stdin);
  if (loaded.errors.length > 0) return reportErrors(io, loaded.errors);
  reportSkipped(io, loaded.skipped);
  let cfg: RenderConfig = { ...DEFAULT_RENDER_CONFIG, ...(options.managedBy ? { managedBy: options.managedBy } : {}) };
  // As `kubectl apply -n`: -n places MicroServices without a namespace (and refuses another one).
  const namespace = options.namespace;
  let services: readonly { where: string; value: MicroService }[] = loaded.services;
  if (namespace !== undefined) {
    services = services.map(({ where, value }) =>
      value.metadata.namespace === undefined
        ? { where, value: { ...value, metadata: { ...value.metadata, namespace } } }
        : { where, value },
    );
    const errors = services.flatMap(({ where, value }) => namespaceMismatch(where, value, namespace));
    if (errors.length > 0) return reportErrors(io, errors);
  }
  // Without one, a mesh policy names the namespace kubectl will apply the objects to: the
  // kubeconfig context's (said on stderr, since the output then depends on it), else default.
  let applied: KubectlNamespace | undefined;
  for (const { where, value } of services) {
    for (const path of policyNamespaceGuesses(value)) {
      applied ??= (await import('../kube-namespace.ts')).kubectlNamespace();
      if (applied.from === 'default') continue;
      io.err(
        `${where}: note: ${path}: MicroService ${displayName(value)} has no metadata.namespace: its ${value.spec.mesh?.provider === 'linkerd' ? 'Linkerd' : 'Istio'} policy names namespace ${applied.namespace} for this caller, where kubectl applies it (${applied.from}); set metadata.namespace, or msvc render -n NAMESPACE, if it goes elsewhere\n`,
      );
    }
  }
  if (applied !== undefined) cfg = { ...cfg, defaultNamespace: applied.namespace };
  const documents: StreamDocument[] = [];
  for (const { where, value } of services) {
    const comment = `Source: ${where} (MicroService ${displayName(value)})`;
    for (const object of renderObjects(value, cfg)) documents.push({ comment, value: object });
  }
  io.out(toYamlStream(documents));
  return EXIT_OK;
}

/** As `kubectl apply -n`: a MicroService in another namespace than -n is refused. */
function namespaceMismatch(where: string, ms: MicroService, namespace: string): UserError[] {
  if (ms.metadata.namespace === namespace) return [];
  return [
    {
      where,
      path: 'metadata.namespace',
      message: `MicroService ${displayName(ms)} is in namespace ${ms.metadata.namespace}, not ${namespace} (-n): remove one of them`,
    },
  ];
}
