/**
 * Run real JVMs and Node.js binaries the way the kubelet would: inside a cgroup with the
 * container's memory and CPU limit, with exactly the env the renderer gave the app container.
 *
 *   limitCgroups(): LimitCgroups          can this process put children under a memory and CPU limit?
 *                                         (the probe of examples/services/harness.ts, for both controllers;
 *                                         MSVC_NO_CGROUP=1: behave as if not)
 *   runLimited(binary, args, env, limits) runs it (nothing inherited), inside new cgroups when possible
 *   jdks(): Jdk[]                         the JDKs on this machine: /usr/bin/java and /usr/lib/jvm/*
 *   probeClassDir(): string               Probe.java compiled once into the cache
 *   nodes(): NodeBinary[]                 Node 20 (the system's), 22 and 24 (tools/node-versions.ts)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMicroService } from '../../api/index.ts';
import { names, render } from '../../render/index.ts';
import { nodeBinary } from '../../tools/node-versions.ts';

export const runtimesDir: string = dirname(fileURLToPath(import.meta.url));

function cacheRoot(): string {
  const env = process.env;
  if (env['MSVC_CACHE_DIR']) return env['MSVC_CACHE_DIR'];
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'msvc');
}

// ---------------------------------------------------------------------------------------------
// cgroups

export interface Limits {
  memoryBytes?: bigint;
  cpuMilli?: number;
}

export type LimitCgroups =
  | {
      ok: true;
      version: 1 | 2;
      /** Creates the cgroups for `limits` (one per v1 hierarchy, one on v2); returns their directories. */
      create(name: string, limits: Limits): string[];
      remove(dirs: readonly string[]): void;
    }
  | { ok: false; reason: string };

const PERIOD_US = 100_000;

function v1Root(controller: 'cpu' | 'memory'): string | undefined {
  const candidates = controller === 'cpu' ? ['cpu', 'cpu,cpuacct'] : ['memory'];
  const file = controller === 'cpu' ? 'cpu.cfs_quota_us' : 'memory.limit_in_bytes';
  return candidates.map((c) => `/sys/fs/cgroup/${c}`).find((d) => existsSync(join(d, file)));
}

function writeLimits(version: 1 | 2, dirs: { cpu: string; memory: string }, limits: Limits): void {
  if (limits.memoryBytes !== undefined) {
    writeFileSync(
      join(dirs.memory, version === 2 ? 'memory.max' : 'memory.limit_in_bytes'),
      String(limits.memoryBytes),
    );
  }
  if (limits.cpuMilli !== undefined) {
    const quota = Math.round((limits.cpuMilli * PERIOD_US) / 1000);
    if (version === 2) writeFileSync(join(dirs.cpu, 'cpu.max'), `${quota} ${PERIOD_US}`);
    else {
      writeFileSync(join(dirs.cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), String(quota));
    }
  }
}

/** Removes a cgroup directory once its processes are gone (they may take a moment to be reaped). */
export function removeCgroup(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (attempt >= 50) throw error;
      spawnSync('sleep', ['0.1']);
    }
  }
}

/** Moves the shell into every dir, then execs the binary: it starts inside the cgroups. */
const ENTER =
  'bin=$1; n=$2; shift 2; while [ "$n" -gt 0 ]; do echo $$ > "$1/cgroup.procs" || exit 97; shift; n=$((n-1)); done; exec "$bin" "$@"';

let probed: LimitCgroups | undefined;

export function limitCgroups(): LimitCgroups {
  probed ??= probe();
  return probed;
}

function probe(): LimitCgroups {
  if (process.env['MSVC_NO_CGROUP'] === '1') return { ok: false, reason: 'MSVC_NO_CGROUP=1 is set' };
  if (process.platform !== 'linux')
    return { ok: false, reason: `cgroups are Linux-only (this is ${process.platform})` };
  let version: 1 | 2;
  let roots: { cpu: string; memory: string };
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    version = 2;
    const subtree = readFileSync('/sys/fs/cgroup/cgroup.subtree_control', 'utf8').split(/\s+/);
    if (!subtree.includes('cpu') || !subtree.includes('memory')) {
      return { ok: false, reason: 'cgroup v2, but the cpu and memory controllers are not both enabled for children' };
    }
    roots = { cpu: '/sys/fs/cgroup', memory: '/sys/fs/cgroup' };
  } else {
    const cpu = v1Root('cpu');
    const memory = v1Root('memory');
    if (!cpu || !memory) return { ok: false, reason: 'no cgroup v2 and no cgroup v1 cpu and memory controllers' };
    version = 1;
    roots = { cpu, memory };
  }
  const create = (name: string, limits: Limits): string[] => {
    const dirs = { cpu: join(roots.cpu, name), memory: join(roots.memory, name) };
    const unique = [...new Set([dirs.cpu, dirs.memory])];
    for (const d of unique) mkdirSync(d);
    try {
      writeLimits(version, dirs, limits);
    } catch (error) {
      for (const d of unique) removeCgroup(d);
      throw error;
    }
    return unique;
  };
  const name = `msvc-runtimes-probe-${process.pid}`;
  let dirs: string[];
  try {
    dirs = create(name, { memoryBytes: 256n << 20n, cpuMilli: 1500 });
  } catch (error) {
    return { ok: false, reason: `cannot create a limited cgroup: ${(error as Error).message}` };
  }
  try {
    const shell = spawnSync(
      '/bin/sh',
      ['-c', ENTER, 'sh', '/bin/cat', String(dirs.length), ...dirs, '/proc/self/cgroup'],
      {
        encoding: 'utf8',
      },
    );
    if (shell.status !== 0)
      return { ok: false, reason: `cannot move a process into ${dirs.join(', ')}: ${shell.stderr.trim()}` };
    const lines = shell.stdout.split('\n');
    const inside = (controller: string) =>
      version === 2
        ? lines.some((l) => l === `0::/${name}`)
        : lines.some((l) => new RegExp(`^\\d+:[^:]*\\b${controller}\\b[^:]*:/${name}$`).test(l));
    if (!inside('cpu') || !inside('memory')) {
      return {
        ok: false,
        reason: `a process moved into ${name} reports other cgroups (a cgroup namespace?): ${shell.stdout.trim()}`,
      };
    }
  } finally {
    for (const d of dirs) removeCgroup(d);
  }
  return { ok: true, version, create, remove: (ds) => ds.forEach(removeCgroup) };
}

let seq = 0;

export interface Run {
  stdout: string;
  stderr: string;
  /** Ran inside cgroups with the limits (else without any). */
  limited: boolean;
}

/** Runs `binary args` with exactly `env`, inside new cgroups with `limits` where this machine allows. */
export function runLimited(binary: string, args: readonly string[], env: Record<string, string>, limits: Limits): Run {
  const cgroups = limitCgroups();
  const wanted = limits.memoryBytes !== undefined || limits.cpuMilli !== undefined;
  const dirs = cgroups.ok && wanted ? cgroups.create(`msvc-runtimes-${process.pid}-${seq++}`, limits) : [];
  try {
    const result = spawnSync('/bin/sh', ['-c', ENTER, 'sh', binary, String(dirs.length), ...dirs, ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0) {
      throw new Error(`${binary} ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
    }
    return { stdout: result.stdout, stderr: result.stderr, limited: dirs.length > 0 };
  } finally {
    if (cgroups.ok) cgroups.remove(dirs);
  }
}

/** Physical memory as a process outside any limit sees it (the JVM's and Node's fallback). */
export function hostMemoryBytes(): bigint {
  const kb = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  if (kb === undefined) throw new Error('no MemTotal in /proc/meminfo');
  return BigInt(kb) * 1024n;
}

// ---------------------------------------------------------------------------------------------
// JDKs

export interface JdkBinary {
  /** `java` of the JDK. */
  java: string;
  /** The feature release, e.g. 17. */
  feature: number;
  /** `java.version`, e.g. 17.0.15. */
  version: string;
}

/** Every JDK on this machine: /usr/bin/java and each /usr/lib/jvm/<jdk>/bin/java, once per real path. */
export function jdks(): JdkBinary[] {
  const candidates = ['/usr/bin/java'];
  if (existsSync('/usr/lib/jvm')) {
    for (const d of readdirSync('/usr/lib/jvm').sort()) candidates.push(join('/usr/lib/jvm', d, 'bin', 'java'));
  }
  const seen = new Map<string, JdkBinary>();
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const real = realpathSync(c);
    if (seen.has(real)) continue;
    const out = spawnSync(real, ['-XshowSettings:properties', '-version'], { encoding: 'utf8', env: {} });
    const version = /java\.version = (\S+)/.exec(out.stderr)?.[1];
    if (!version) continue;
    const feature = Number(version.startsWith('1.') ? version.split('.')[1] : version.split(/[.+-]/)[0]);
    seen.set(real, { java: real, feature, version });
  }
  return [...seen.values()].sort((a, b) => a.feature - b.feature);
}

/** Probe.java compiled (release 11, so every JDK here runs it) into the cache; returns the class dir. */
export function probeClassDir(javac = '/usr/bin/javac'): string {
  const source = readFileSync(join(runtimesDir, 'Probe.java'));
  const dir = join(cacheRoot(), 'runtimes', `probe-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dir, 'Probe.class'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync(javac, ['--release', '11', '-d', dir, join(runtimesDir, 'Probe.java')], { stdio: 'pipe' });
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Node.js

export interface NodeBinary {
  node: string;
  major: number;
  version: string;
}

/** The system's Node (20 here: the first `node` on PATH outside node_modules), and Node 22 and 24. */
export function nodes(): NodeBinary[] {
  const path = (process.env['PATH'] ?? '').split(':').filter((p) => p && !p.includes('node_modules'));
  const system = path.map((p) => join(p, 'node')).find((p) => existsSync(p));
  const binaries = [...(system ? [system] : []), nodeBinary(22), nodeBinary(24)];
  const seen = new Map<string, NodeBinary>();
  for (const b of binaries) {
    const real = realpathSync(b);
    if (seen.has(real)) continue;
    const version = execFileSync(real, ['--version'], { encoding: 'utf8', env: {} }).trim();
    const major = Number(/^v(\d+)\./.exec(version)?.[1]);
    if ([...seen.values()].some((n) => n.major === major)) continue;
    seen.set(real, { node: real, major, version });
  }
  return [...seen.values()].sort((a, b) => a.major - b.major);
}

// ---------------------------------------------------------------------------------------------
// The measured results, kept in docs/runtime-tuning.md

const ROOT = join(runtimesDir, '..', '..');
export const TUNING_DOC = join(ROOT, 'docs', 'runtime-tuning.md');
const UPDATE = process.env['MSVC_UPDATE_TUNING_RESULTS'] === '1';

/**
 * Keeps `markdown` as the block `<!-- <id>:start … -->…<!-- <id>:end -->` of docs/runtime-tuning.md.
 * MSVC_UPDATE_TUNING_RESULTS=1 (or a missing block's content) rewrites it; otherwise a run on a
 * machine with the same `machine` line must reproduce it exactly, and another machine only prints
 * its own table. Returns the committed block for the caller to compare.
 */
export function resultsBlock(
  id: string,
  machine: string,
  markdown: string,
): { committed: string | undefined; fresh: string; sameMachine: boolean } {
  const start = `<!-- ${id}:start (generated by examples/runtimes/${id.replace(/-results$/, '')}.test.ts) -->`;
  const end = `<!-- ${id}:end -->`;
  const fresh = `${machine}\n\n${markdown}`;
  const page = readFileSync(TUNING_DOC, 'utf8');
  const s = page.indexOf(start);
  const e = page.indexOf(end);
  if (s < 0 || e < s) throw new Error(`docs/runtime-tuning.md needs the markers ${start} … ${end}`);
  const committed = page.slice(s + start.length, e).trim();
  if (UPDATE || committed === '') {
    writeFileSync(TUNING_DOC, `${page.slice(0, s + start.length)}\n${fresh}${page.slice(e)}`);
    return { committed: fresh.trim(), fresh: fresh.trim(), sameMachine: true };
  }
  const sameMachine = committed.split('\n')[0] === machine;
  if (!sameMachine)
    console.info(`${id}: measured on another machine (${committed.split('\n')[0]}); this run:\n${fresh}`);
  return { committed, fresh: fresh.trim(), sameMachine };
}

/**
 * The app container's env as the renderer writes it for `spec` (a MicroService named `name`):
 * what the runtime tests then hand to a real binary. `what` names the case in errors.
 */
export function renderedAppEnv(name: string, spec: Record<string, unknown>, what: string): Record<string, string> {
  const parsed = parseMicroService({
    apiVersion: 'msvc.dev/v1alpha1',
    kind: 'MicroService',
    metadata: { name, namespace: 'default' },
    spec,
  });
  if (!parsed.ok) throw new Error(`invalid spec for ${what}: ${JSON.stringify(parsed.issues)}`);
  const deployment = render(parsed.value).objects.find((o) => o.kind === 'Deployment');
  if (!deployment) throw new Error(`no Deployment rendered for ${what}`);
  const pod = (deployment['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
  const app = pod.containers.find((x) => x['name'] === names.appContainer) as {
    env?: { name: string; value?: string }[];
  };
  return Object.fromEntries((app.env ?? []).map((e) => [e.name, e.value ?? '']));
}
