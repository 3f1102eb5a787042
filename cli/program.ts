// The `msvc` command line: commander wiring only. Each command lives in cli/commands/ and returns an
// exit code; user errors are printed there as `file:document: field.path: message`. Two entries
// run it: cli/main.ts (the source tree: `npx msvc`, `node cli/main.ts`) and cli/bundle.ts (the
// installed package's one bundled file, also the source of its start-up snapshot).
//
// Commands are imported when they run, only the one that runs (the others would load zod, the
// renderer or the CRD builder for nothing).
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Io } from './io.ts';

/**
 * The version of the package that holds `base` (a file URL): package.json one level up (cli/ in the
 * repository, dist/ of the installed bundle) or two; `unknown` when neither is ours.
 */
export function packageVersion(base: string): string {
  for (const up of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, base), 'utf8')) as { name?: string; version?: string };
      if (pkg.name?.startsWith('microservice-operator') && pkg.version) return pkg.version;
    } catch {
      // not this level
    }
  }
  return 'unknown';
}

/** -f is repeatable, like kubectl's. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

const FILENAME_HELP =
  'a file, a directory (walked for *.yaml, *.yml, *.json, sorted) or - for stdin; repeatable. Multi-document YAML and JSON are read; kind: List is unpacked';

function filenameOption(): InstanceType<typeof Option> {
  return new Option('-f, --filename <path>', FILENAME_HELP).argParser(collect).makeOptionMandatory();
}

// Set, not process.exit(): exiting would cut off output still queued for a pipe.
const finish = (code: number) => {
  process.exitCode = code;
};

/** Runs `msvc` on argv (process.argv's layout: node, script, then the arguments). */
export async function runCli(argv: readonly string[], version: string): Promise<void> {
  const io: Io = {
    // On first use only: making process.stdin loads Node's stream, net and fs stream modules, and a
    // run reads stdin only for `-f -`.
    get stdin() {
      return process.stdin;
    },
    out: (text) => {
      process.stdout.write(text);
    },
    err: (text) => {
      process.stderr.write(text);
    },
  };

  // `msvc render | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

  const program = new Command('msvc')
    .description(
      'Render, validate and explain MicroService resources (msvc.dev/v1alpha1) with the same renderer the operator uses.',
    )
    .version(version)
    .showHelpAfterError('(run msvc --help for usage)')
    .configureHelp({ sortSubcommands: false });

  program
    .command('render')
    .summary('print the Kubernetes objects rendered from MicroServices (YAML stream)')
    .description(
      'Print every Kubernetes object rendered from the MicroServices as one YAML stream (for kubectl apply -f -). ' +
        'Documents of other kinds are errors in files you name, and skipped with a note on stderr in directories.',
    )
    .addOption(filenameOption())
    .option('--managed-by <value>', 'value of the app.kubernetes.io/managed-by label (default: msvc-operator)')
    .option(
      '-n, --namespace <namespace>',
      "namespace of MicroServices without metadata.namespace, as kubectl apply -n (default: objects keep none; a mesh policy names the kubeconfig context's namespace, else default, as kubectl)",
    )
    .action(async (opts: { filename: string[]; managedBy?: string; namespace?: string }) =>
      finish(await (await import('./commands/render.ts')).runRender(opts, io)),
    );

  program
    .command('validate')
    .summary('check MicroServices; exit 1 on any error')
    .description(
      'Check MicroServices against the schema and the cross-field rules the API server enforces; exit 1 on any error.',
    )
    .addOption(filenameOption())
    .action(async (opts: { filename: string[] }) =>
      finish(await (await import('./commands/validate.ts')).runValidate(opts, io)),
    );

  program
    .command('explain')
    .summary('show each computed value and the rule behind it')
    .description(
      'Show every computed env var, label, annotation and setting of each MicroService, with the rule behind it.',
    )
    .addOption(filenameOption())
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .addOption(
      new Option(
        '--capacity <file>',
        "ResourceQuotas and LimitRanges (kubectl get resourcequota,limitrange -n NS -o yaml > ns.yaml) to check the pods and a rollout's surge against; repeatable",
      ).argParser(collect),
    )
    .action(async (opts: { filename: string[]; output: 'text' | 'json'; capacity?: string[] }) =>
      finish(await (await import('./commands/explain.ts')).runExplain(opts, io)),
    );

  program
    .command('import')
    .summary('turn Deployments (helm template, kubectl get -o yaml) into MicroServices')
    .description(
      'Print one MicroService per Deployment read, with its Service, HorizontalPodAutoscaler, PodDisruptionBudget and ServiceAccount ' +
        '(the output of helm template or kubectl get deploy,svc,hpa,pdb,sa -o yaml). Every field a MicroService cannot carry over ' +
        'is a warning on stderr with its path; exit 0 when everything is carried over, 2 when something is not, 1 on bad input.',
    )
    .addOption(filenameOption())
    .option('--managed-by <value>', 'value of the app.kubernetes.io/managed-by label (default: msvc-operator)')
    .option('--notes', 'also print what is left behind on purpose (Helm and kubectl bookkeeping, objects added)')
    .action(async (opts: { filename: string[]; managedBy?: string; notes?: boolean }) =>
      finish(await (await import('./commands/import.ts')).runImport(opts, io)),
    );

  program
    .command('diff')
    .summary('show what the operator would change on a live cluster (server-side apply dry-run)')
    .description(
      'For each MicroService, dry-run the children the operator would apply (server-side apply as msvc-operator, forced) on the ' +
        'cluster of the current kubeconfig and print a unified diff of each live object against the result, whether the pod ' +
        'template changes (rollout: yes/no), and the objects that would be created or pruned. ' +
        'Exit 0 when nothing would change, 1 when something would, 2 on an error (as kubectl diff).',
    )
    .addOption(filenameOption())
    .option(
      '-n, --namespace <namespace>',
      "namespace of MicroServices without metadata.namespace (default: the kubeconfig context's namespace, then default, as kubectl)",
    )
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, as kubectl)')
    .action(async (opts: { filename: string[]; namespace?: string; kubeconfig?: string }) =>
      finish(await (await import('./commands/diff.ts')).runDiff(opts, io)),
    );

  program
    .command('crd')
    .summary('print the CustomResourceDefinition')
    .description('Print the MicroService CustomResourceDefinition (generated from the schema).')
    .action(async () => finish((await import('./commands/crd.ts')).runCrd(io)));

  program
    .command('reference')
    .summary('print the Markdown API reference')
    .description('Print the Markdown API reference generated from the schema.')
    .option(
      '--update <file>',
      'rewrite the section between the api-reference markers of this file instead (e.g. docs/api.md)',
    )
    .action(async (opts: { update?: string }) =>
      finish(await (await import('./commands/reference.ts')).runReference(opts, io)),
    );

  await program.parseAsync(argv);
}
