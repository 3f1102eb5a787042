// Builds the start-up snapshot of the installed msvc (see bin/msvc.js, which starts this in the
// background when a run finds no snapshot): `node snapshot.js BLOB`.
//
//   1. takes BLOB.lock (created exclusively: one builder per blob; bin/msvc.js starts no other
//      while it is younger than 10 minutes);
//   2. `node --snapshot-blob TEMP --build-snapshot dist/msvc.cjs` with the Node running this;
//   3. checks the result: `node --snapshot-blob TEMP bin/msvc.js --version` prints this package's
//      version (a blob that does not load in this Node is never installed);
//   4. renames TEMP to BLOB (atomic: a run sees the whole blob or none).
// A failure leaves BLOB.failed holding what went wrong, and runs go on without a snapshot until it
// is deleted. Snapshots and leftovers older than 30 days in the same directory are removed.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LOCK_STALE_MS = 10 * 60_000;
const OLD_MS = 30 * 24 * 3600_000;
const TIMEOUT_MS = 5 * 60_000;

const [blob] = process.argv.slice(2);
if (!blob) {
  process.stderr.write('usage: node snapshot.js BLOB\n');
  process.exit(2);
}
const bundle = fileURLToPath(new URL('../dist/msvc.cjs', import.meta.url));
const bin = fileURLToPath(new URL('msvc.cjs', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = `${blob}.lock`;
const temp = `${blob}.${process.pid}.tmp`;

/** Takes the lock; false when another builder holds a fresh one. */
function takeLock() {
  try {
    writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    if (Date.now() - statSync(lock).mtimeMs < LOCK_STALE_MS) return false;
    rmSync(lock, { force: true });
    writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
    return true;
  }
}

/** Runs node with args; throws with its stderr unless it exits 0. */
function node(args, what) {
  const result = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
    env: { ...process.env, MSVC_NO_SNAPSHOT: '', MSVC_SNAPSHOT_DEBUG: '' },
  });
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${what}: exit ${result.status ?? result.signal}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Old snapshots (of other builds, or this one's a month ago) and leftovers of builders that died. */
function prune() {
  const dir = dirname(blob);
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('snapshot-') || name === basename(blob)) continue;
    const path = join(dir, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > (name.endsWith('.tmp') ? LOCK_STALE_MS : OLD_MS)) rmSync(path);
    } catch {
      // gone already, or not ours to remove
    }
  }
}

if (takeLock()) {
  try {
    node(['--snapshot-blob', temp, '--build-snapshot', bundle], 'node --build-snapshot dist/msvc.cjs');
    const printed = node(['--snapshot-blob', temp, bin, '--version'], 'msvc --version from the new snapshot').trim();
    if (printed !== version)
      throw new Error(`msvc --version from the new snapshot printed ${JSON.stringify(printed)}, not ${version}`);
    renameSync(temp, blob);
    prune();
  } catch (error) {
    writeFileSync(`${blob}.failed`, `${new Date().toISOString()} ${process.version}: ${error.message}\n`);
  } finally {
    rmSync(temp, { force: true });
    rmSync(lock, { force: true });
  }
}
