// The entry of the installed `msvc`: packages/build.ts bundles it, with everything it imports, into
// packages/cli/dist/msvc.cjs, one CommonJS script, which is also what Node builds a user-land
// start-up snapshot from (https://nodejs.org/api/cli.html#--build-snapshot: one script, `require`
// of built-in modules only). packages/cli/bin/msvc.js runs it in one of two ways:
//
//   - required as it is (the first run, MSVC_NO_SNAPSHOT=1, `msvc diff`): runs the command line;
//   - `node --snapshot-blob <cache>/snapshot-….blob`, where the blob was written by
//     `node --build-snapshot dist/msvc.cjs` (packages/cli/bin/snapshot.js): this script ran at build
//     time, ran render and validate once on a sample (zod's schemas built, the renderer's and the
//     readers' functions compiled) and left the command line as the snapshot's main function.
//     Node starts with that heap deserialized.
//
// Both run the same functions on the same input: the output is byte for byte the same
// (test/package/smoke.test.ts compares them).
import type { Io } from './io.ts';
import { packageVersion, runCli } from './program.ts';

// Read where the bundle is, once: at start, or at snapshot build (the blob is keyed by the
// package's version, so the version it holds is the one it was built from).
const version = packageVersion(import.meta.url);

/** An error no command handled: thrown again outside the promise, so Node prints it and exits 1. */
const crash = (error: unknown) =>
  process.nextTick(() => {
    throw error;
  });

/**
 * The command line of a run from the snapshot. bin/msvc.js starts `node [flags] --snapshot-blob
 * BLOB BIN args…`; Node 22 and 24 give the main function [node, BIN, args…] (the script a run
 * without snapshot sees at argv[1] is BIN here), later versions insert argv[0] once more
 * (nodejs/node "lib: insert argv[0] at argv[1] in setDeserializeMainFunction"): skip copies of it.
 */
function snapshotArgv(argv: readonly string[]): string[] {
  let bin = 1;
  while (bin < argv.length - 1 && argv[bin] === argv[0]) bin++;
  return [argv[0] ?? 'node', ...argv.slice(bin)];
}

/** A plain service and one with more sections, so that the warm-up compiles what real specs reach. */
const SAMPLE = `apiVersion: msvc.dev/v1alpha1
kind: MicroService
metadata:
  name: warm-up
  namespace: warm-up
  labels:
    app.kubernetes.io/part-of: warm-up
spec:
  image: registry.example.com/warm-up:1.0.0
  replicas: 2
  ports:
    - name: http
      port: 8080
  resources:
    requests:
      cpu: 100m
      memory: 128Mi
    limits:
      memory: 128Mi
  env:
    - name: LOG_LEVEL
      value: info
  disruption:
    maxUnavailable: 1
---
apiVersion: msvc.dev/v1alpha1
kind: MicroService
metadata:
  name: warm-up-full
  namespace: warm-up
spec:
  image: registry.example.com/warm-up:2.0.0
  autoscaling:
    minReplicas: 2
    maxReplicas: 6
    targetCPUUtilizationPercent: 70
  ports:
    - name: http
      port: 8080
    - name: grpc
      port: 9090
      protocol: GRPC
  resources:
    requests:
      cpu: 250m
      memory: 256Mi
    limits:
      cpu: "1"
      memory: 512Mi
  runtime:
    go:
      version: "1.24"
  mesh:
    provider: istio
  shutdown:
    gracePeriodSeconds: 30
    preStopSleepSeconds: 5
`;

/**
 * `msvc render` and `msvc validate` once on the sample, nothing printed: their modules evaluated and
 * their functions compiled into the snapshot. The other commands load their own modules when they
 * run, as without a snapshot: a blob with everything in it (explain, import, the yaml library)
 * measured ~7 % larger, and a one-spec render from it ~10 % slower.
 */
async function warmUp(): Promise<void> {
  const quiet = (text: string) => {
    void text;
  };
  const { Readable } = process.getBuiltinModule('node:stream');
  const io: () => Io = () => ({ stdin: Readable.from([SAMPLE]), out: quiet, err: quiet });
  const { runRender } = await import('./commands/render.ts');
  const { runValidate } = await import('./commands/validate.ts');
  for (const run of [runRender, runValidate]) {
    if ((await run({ filename: ['-'] }, io())) !== 0) throw new Error(`${run.name} failed on the warm-up sample`);
  }
}

// Built by `node --build-snapshot`: the script is then called without `module` (only require,
// __filename and __dirname: lib/internal/main/mksnapshot.js), so a plain run needs no node:v8 to tell.
if (typeof module === 'undefined' && process.getBuiltinModule('node:v8').startupSnapshot.isBuildingSnapshot()) {
  const { startupSnapshot } = process.getBuiltinModule('node:v8');
  startupSnapshot.setDeserializeMainFunction(() => {
    runCli(snapshotArgv(process.argv), version).catch(crash);
  });
  // Node writes the snapshot once the event loop is empty, so this finishes first. A failure must
  // fail the build (no blob is written when the exit code is not 0; bin/snapshot.js then records
  // why and runs go on without one): an error thrown here would not.
  warmUp().catch((error: unknown) => {
    process.stderr.write(`msvc: the snapshot warm-up failed: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  });
} else {
  runCli(process.argv, version).catch(crash);
}
