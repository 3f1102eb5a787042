/**
 * Build and run the example Go services from TypeScript tests.
 *
 *   ensureServiceBinaries(): Promise<ServiceBinaries>
 *       builds gateway, order and user twice, cached across runs under
 *       ${MSVC_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/msvc}/services/<hash of sources + Go version>/:
 *         gomod-1.26/   the module as it is (go.mod `go 1.26`: container-aware GOMAXPROCS on)
 *         gomod-1.24/   a temporary copy with go.mod `go 1.24`, so GODEBUG defaults to
 *                       containermaxprocs=0,updatemaxprocs=0 (https://go.dev/doc/godebug#go-125)
 *   startService(binary, env, { cgroupDir? }): Promise<RunningService>
 *       runs the binary with exactly `env` (nothing inherited), optionally inside a cgroup (a shell
 *       moves itself there, then execs the binary), waits for the `"msg":"listening"` log line
 *   RunningService.healthz(): Promise<HealthReport>   GET /healthz on 127.0.0.1
 *   RunningService.openFiles(): string[]              targets of /proc/<pid>/fd
 *   RunningService.stop(): Promise<number | null>     SIGTERM, wait for the exit code
 *   cpuCgroup(): CpuCgroup                            can this process put children under a CPU limit?
 *                                                     (MSVC_NO_CGROUP=1: behave as if not)
 *   goDefaultMaxProcs(gomod, cpuLimitMilli?): number  the Go 1.26 runtime's own GOMAXPROCS default
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { removeCgroup } from '../runtimes/harness.ts';

export const servicesDir: string = dirname(fileURLToPath(import.meta.url));
export const SERVICES = ['gateway', 'order', 'user'] as const;
export type ServiceName = (typeof SERVICES)[number];
/** The `go` line the binary was built with: 1.26 as committed, 1.24 for the pre-1.25 GODEBUG defaults. */
export type GoModFlavor = '1.26' | '1.24';

export interface ServiceBinaries {
  dir: string;
  goVersion: string;
  path(flavor: GoModFlavor, service: ServiceName): string;
}

/** The /healthz contract (examples/services/README.md). memoryLimitBytes is exact (read as BigInt). */
export interface HealthReport {
  service: string;
  goVersion: string;
  gomaxprocs: number;
  memoryLimitBytes: bigint;
  gcPercent: number;
  goroutines: number;
}

/** debug.SetMemoryLimit's "no limit". */
export const MAX_INT64 = 9223372036854775807n;

function cacheRoot(): string {
  const env = process.env;
  if (env['MSVC_CACHE_DIR']) return env['MSVC_CACHE_DIR'];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'msvc');
}

function goBinary(): string {
  const fromEnv = process.env['GO'];
  if (fromEnv) return fromEnv;
  const onPath = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() !== '') return onPath.stdout.trim();
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('Go is needed to build examples/services (GO=/path/to/go, go on PATH or /usr/local/go/bin/go)');
}

/** Files that go into a binary: go.mod, non-test .go files under cmd/ and internal/, build.sh. */
function sourceFiles(): string[] {
  const out = [join(servicesDir, 'go.mod'), join(servicesDir, 'build.sh')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.go') && !entry.name.endsWith('_test.go')) out.push(path);
    }
  };
  walk(join(servicesDir, 'cmd'));
  walk(join(servicesDir, 'internal'));
  return out.sort();
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${result.stderr}${result.stdout}`,
    );
  }
}

let binaries: ServiceBinaries | undefined;

export async function ensureServiceBinaries(): Promise<ServiceBinaries> {
  if (binaries) return binaries;
  const go = goBinary();
  const goVersion = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const hash = createHash('sha256').update(goVersion);
  for (const file of sourceFiles()) hash.update(`\0${relative(servicesDir, file)}\0`).update(readFileSync(file));
  const dir = join(cacheRoot(), 'services', hash.digest('hex').slice(0, 16));
  const path = (flavor: GoModFlavor, service: ServiceName) => join(dir, `gomod-${flavor}`, service);
  const complete = () => SERVICES.every((s) => existsSync(path('1.26', s)) && existsSync(path('1.24', s)));
  if (!complete()) {
    mkdirSync(dirname(dir), { recursive: true });
    const staging = mkdtempSync(`${dir}.tmp-`);
    const source = mkdtempSync(join(tmpdir(), 'msvc-services-gomod-1.24-'));
    try {
      // GOTOOLCHAIN=local: the go line must never make `go` look for another toolchain.
      const env = { ...process.env, GO: go, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
      run('bash', [join(servicesDir, 'build.sh'), join(staging, 'gomod-1.26')], servicesDir, env);
      // The same sources with go.mod's `go` line lowered: GODEBUG defaults follow it.
      for (const part of ['go.mod', 'cmd', 'internal'])
        cpSync(join(servicesDir, part), join(source, part), { recursive: true });
      const goMod = readFileSync(join(source, 'go.mod'), 'utf8');
      if (!/^go 1\.\d+(\.\d+)?$/m.test(goMod)) throw new Error('examples/services/go.mod has no `go` line');
      writeFileSync(join(source, 'go.mod'), goMod.replace(/^go 1\.\d+(\.\d+)?$/m, 'go 1.24'));
      run(
        go,
        ['build', '-trimpath', '-buildvcs=false', '-o', `${join(staging, 'gomod-1.24')}/`, './cmd/...'],
        source,
        env,
      );
      try {
        renameSync(staging, dir);
      } catch (error) {
        // Another run finished the same build first: theirs is as good as ours.
        if (!complete()) throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
      rmSync(source, { recursive: true, force: true });
    }
  }
  binaries = { dir, goVersion, path };
  return binaries;
}

/** Reads the /healthz body, keeping memory_limit_bytes exact (JSON.parse would round MaxInt64). */
export function parseHealthReport(body: string): HealthReport {
  const json = JSON.parse(body) as Record<string, unknown>;
  const memory = /"memory_limit_bytes"\s*:\s*(-?\d+)/.exec(body)?.[1];
  if (memory === undefined) throw new Error(`/healthz has no memory_limit_bytes: ${body}`);
  return {
    service: String(json['service']),
    goVersion: String(json['go_version']),
    gomaxprocs: Number(json['gomaxprocs']),
    memoryLimitBytes: BigInt(memory),
    gcPercent: Number(json['gc_percent']),
    goroutines: Number(json['goroutines']),
  };
}

export interface RunningService {
  pid: number;
  /** host:port from the listening log line, always 127.0.0.1. */
  addr: string;
  healthz(): Promise<HealthReport>;
  openFiles(): string[];
  stop(): Promise<number | null>;
}

export interface StartOptions {
  /** A cgroup directory (cgroup.procs inside) to run the binary in. */
  cgroupDir?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

export function startService(
  binary: string,
  env: Record<string, string>,
  opts: StartOptions = {},
): Promise<RunningService> {
  if (env['HOST'] !== '127.0.0.1') throw new Error('startService: set HOST=127.0.0.1 (tests listen on loopback only)');
  const [command, args] = opts.cgroupDir
    ? // The shell writes its own pid into the cgroup, then becomes the binary: the binary starts inside it.
      ['/bin/sh', ['-c', 'echo $$ > "$1/cgroup.procs" && exec "$2"', 'sh', opts.cgroupDir, binary]]
    : [binary, []];
  const child = spawn(command as string, args as string[], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const output: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  return new Promise<RunningService>((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${binary} did not log "listening" within ${opts.timeoutMs ?? 30_000} ms:\n${output.join('')}`));
    }, opts.timeoutMs ?? 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} exited ${code} before listening:\n${output.join('')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(`${line}\n`);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (entry['msg'] !== 'listening' || typeof entry['addr'] !== 'string') return;
      clearTimeout(timer);
      const port = /^127\.0\.0\.1:(\d+)$/.exec(entry['addr'])?.[1];
      if (port === undefined) {
        child.kill('SIGKILL');
        reject(new Error(`${binary} listens on ${entry['addr']}, not on 127.0.0.1`));
        return;
      }
      const pid = child.pid as number;
      resolveStart({
        pid,
        addr: entry['addr'],
        async healthz() {
          const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
          const body = await response.text();
          if (!response.ok) throw new Error(`/healthz answered ${response.status}: ${body}`);
          return parseHealthReport(body);
        },
        openFiles() {
          const fdDir = `/proc/${pid}/fd`;
          return readdirSync(fdDir).flatMap((fd) => {
            try {
              return [readlinkSync(join(fdDir, fd))];
            } catch {
              return []; // closed meanwhile
            }
          });
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    });
  });
}

/** Runs `tasks` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// CPU limits through cgroups

export type CpuCgroup =
  | {
      ok: true;
      version: 1 | 2;
      /** Where child cgroups are made, e.g. /sys/fs/cgroup/cpu (v1) or /sys/fs/cgroup (v2). */
      root: string;
      /** Creates a child cgroup limited to `milliCpu` (period 100 ms); returns its directory. */
      create(name: string, milliCpu: number): string;
      /** The file Go 1.25+ keeps open for the limit (cpu.cfs_quota_us or cpu.max). */
      limitFile(dir: string): string;
      remove(dir: string): void;
    }
  | { ok: false; reason: string };

const PERIOD_US = 100_000;

function writeLimit(version: 1 | 2, dir: string, milliCpu: number): void {
  const quota = Math.round((milliCpu * PERIOD_US) / 1000);
  if (version === 2) {
    writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
  } else {
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
  }
}

let probed: CpuCgroup | undefined;

/**
 * Finds a cgroup hierarchy with the cpu controller that this process may create children in, and
 * checks for real: makes a child, sets a limit, moves a shell into it and reads the shell's
 * /proc/self/cgroup back. Any failure is reported as the reason, never thrown.
 */
export function cpuCgroup(): CpuCgroup {
  if (probed) return probed;
  probed = probeCpuCgroup();
  return probed;
}

function probeCpuCgroup(): CpuCgroup {
  if (process.env['MSVC_NO_CGROUP'] === '1') return { ok: false, reason: 'MSVC_NO_CGROUP=1 is set' };
  if (process.platform !== 'linux')
    return { ok: false, reason: `cgroups are Linux-only (this is ${process.platform})` };
  let version: 1 | 2;
  let root: string;
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    version = 2;
    root = '/sys/fs/cgroup';
    const subtree = readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
    if (!subtree.includes('cpu')) {
      return { ok: false, reason: 'cgroup v2, but the cpu controller is not enabled for children of /sys/fs/cgroup' };
    }
  } else {
    const v1 = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct'].find((d) =>
      existsSync(join(d, 'cpu.cfs_quota_us')),
    );
    if (!v1) return { ok: false, reason: 'no cgroup v2 and no cgroup v1 cpu controller under /sys/fs/cgroup' };
    version = 1;
    root = v1;
  }
  const name = `msvc-probe-${process.pid}`;
  const dir = join(root, name);
  try {
    mkdirSync(dir);
  } catch (error) {
    return { ok: false, reason: `cannot create a cgroup under ${root}: ${(error as Error).message}` };
  }
  try {
    writeLimit(version, dir, 1500);
    const shell = spawnSync('/bin/sh', ['-c', 'echo $$ > "$1/cgroup.procs" && cat /proc/self/cgroup', 'sh', dir], {
      encoding: 'utf8',
    });
    if (shell.status !== 0) return { ok: false, reason: `cannot move a process into ${dir}: ${shell.stderr.trim()}` };
    const line = version === 2 ? /^0::(.*)$/m : /^\d+:[^:]*\bcpu\b[^:]*:(.*)$/m;
    const path = line.exec(shell.stdout)?.[1];
    if (path === undefined || !path.endsWith(`/${name}`)) {
      return {
        ok: false,
        reason: `a process moved into ${dir} reports another cgroup (${path}), e.g. a cgroup namespace: Go would not read the limit we set`,
      };
    }
  } catch (error) {
    return { ok: false, reason: `cannot set a CPU limit in ${dir}: ${(error as Error).message}` };
  } finally {
    try {
      removeCgroup(dir);
    } catch {
      // best effort; reported by the next probe's mkdir if it matters
    }
  }
  return {
    ok: true,
    version,
    root,
    create(childName, milliCpu) {
      const child = join(root, childName);
      mkdirSync(child);
      writeLimit(version, child, milliCpu);
      return child;
    },
    limitFile: (d) => join(d, version === 2 ? 'cpu.max' : 'cpu.cfs_quota_us'),
    remove: removeCgroup,
  };
}

/**
 * The CPU limit (millicores) of this process's own leaf cgroup, which children inherit, or
 * undefined for none or unknown. Go reads only the leaf cgroup
 * (a comment in the Go runtime's src/runtime/cgroup_linux.go; https://github.com/golang/go/issues/73193).
 */
export function ambientCpuLimitMilli(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  let cgroups: string;
  try {
    cgroups = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  const v1 = /^\d+:([^:]*\bcpu\b[^:]*):(.*)$/m.exec(cgroups);
  const candidates = v1
    ? [`/sys/fs/cgroup/${v1[1]}${v1[2]}`, `/sys/fs/cgroup/cpu${v1[2]}`, `/sys/fs/cgroup/cpu,cpuacct${v1[2]}`]
    : [`/sys/fs/cgroup${/^0::(.*)$/m.exec(cgroups)?.[1] ?? '/'}`];
  for (const dir of candidates) {
    try {
      if (v1) {
        const quota = Number(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8'));
        const period = Number(readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8'));
        return quota > 0 && period > 0 ? (quota * 1000) / period : undefined;
      }
      const [quota, period] = readFileSync(join(dir, 'cpu.max'), 'utf8').trim().split(/\s+/);
      return quota === 'max' || quota === undefined ? undefined : (Number(quota) * 1000) / Number(period);
    } catch {
      // try the next layout
    }
  }
  return undefined;
}

/** Logical CPUs this process may run on (sched_getaffinity on Linux), which children inherit. */
export const availableCpus = (): number => availableParallelism();

/**
 * GOMAXPROCS that a Go 1.26 binary picks by itself, with no GOMAXPROCS variable
 * (https://go.dev/doc/go1.25#container-aware-gomaxprocs): go.mod ≥ 1.25 → min(CPUs, max(2, ceil(leaf CPU limit))), or CPUs
 * without a limit; go.mod ≤ 1.24 (containermaxprocs=0) → CPUs whatever the limit.
 */
export function goDefaultMaxProcs(gomod: GoModFlavor, leafCpuLimitMilli: number | undefined): number {
  const cpus = availableCpus();
  if (gomod === '1.24' || leafCpuLimitMilli === undefined) return cpus;
  return Math.min(cpus, Math.max(2, Math.ceil(leafCpuLimitMilli / 1000)));
}
