#!/usr/bin/env node
// The installed `msvc` command. The CLI is one bundled CommonJS file, dist/msvc.cjs (built by
// `npm pack`'s prepack with esbuild: packages/build.ts; plain JavaScript on Node 22 and 24, no
// TypeScript at run time). Two ways to run it, the same output (cli/bundle.ts):
//
//   - from a start-up snapshot of it (https://nodejs.org/api/cli.html#--build-snapshot): Node
//     starts with the heap the bundle had built (zod's schemas, the renderer) instead of building
//     it again (what that saves, and the floor that stays: docs/benchmarks.md, `startup`).
//     A blob loads only in the Node build that wrote it, so it is built here, per user, at first
//     use: a run that finds none runs without one and leaves bin/snapshot.js writing it in the
//     background, for the next run, into $XDG_CACHE_HOME/msvc (default ~/.cache/msvc), named by
//     the package build, platform, arch and Node version and binary. This process then replaces
//     itself with `node --snapshot-blob BLOB` (process.execve), so it costs one bare Node start;
//   - as it is (compile cache on: https://nodejs.org/api/module.html#module-compile-cache): with
//     MSVC_NO_SNAPSHOT=1, for `msvc diff` (it loads the cluster client from node_modules, which a
//     snapshot cannot), on Windows (no execve), when Node was started with flags of its own, and
//     whenever anything about the snapshot fails.
// MSVC_SNAPSHOT_DEBUG=1 says on stderr which way this run went and why.
//
// Inside this repository (the workspace link node_modules/.bin/msvc, before anything is packed) it
// runs the source, like bin/msvc.js.
'use strict';
const { existsSync, mkdirSync, readFileSync, statSync } = require('node:fs');
const { enableCompileCache } = require('node:module');
const { homedir } = require('node:os');
const { join, sep } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'msvc.cjs');
const inRepository = !__dirname.split(sep).includes('node_modules') && !existsSync(bundle);
/** A builder that has not finished in this long is taken to be gone (bin/snapshot.js). */
const LOCK_STALE_MS = 10 * 60_000;

const debug = (message) => {
  if (process.env.MSVC_SNAPSHOT_DEBUG === '1') process.stderr.write(`msvc: snapshot: ${message}\n`);
};

/** FNV-1a of a string, 8 hex digits: tells two Node binaries of the same version apart. */
function shortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Where this package build's snapshot for this Node lives (bin/snapshot.js writes it). */
function snapshotPath() {
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'msvc');
  // dist/build-id: the package version and a hash of the bundle (packages/build.ts).
  const build = readFileSync(join(__dirname, '..', 'dist', 'build-id'), 'utf8').trim();
  const node = `${process.platform}-${process.arch}-node${process.version}-${shortHash(process.execPath)}`;
  return { dir, blob: join(dir, `snapshot-${build}-${node}.blob`) };
}

/** Why this run goes without a snapshot, or undefined when it may use one. */
function withoutSnapshot(args) {
  const off = process.env.MSVC_NO_SNAPSHOT;
  if (off && off !== '0') return 'MSVC_NO_SNAPSHOT is set';
  if (args[0] === 'diff') return 'msvc diff loads the cluster client';
  if (typeof process.execve !== 'function' || process.platform === 'win32') return 'no process.execve here';
  // The blob was built without flags; a run with its own (--inspect, --max-old-space-size…) keeps them.
  if (process.execArgv.length > 0) return `node was started with ${process.execArgv.join(' ')}`;
  return undefined;
}

/** Replaces this process with Node started from the snapshot, or starts building one; returns if it does not. */
function trySnapshot(args) {
  const why = withoutSnapshot(args);
  if (why) return debug(`not used: ${why}`);
  const { dir, blob } = snapshotPath();
  if (existsSync(blob)) {
    debug(`using ${blob}`);
    process.execve(process.execPath, [process.execPath, '--snapshot-blob', blob, __filename, ...args]);
  }
  if (existsSync(`${blob}.failed`)) return debug(`not used: building it failed before (${blob}.failed says why)`);
  try {
    if (Date.now() - statSync(`${blob}.lock`).mtimeMs < LOCK_STALE_MS) return debug(`being built: ${blob}`);
  } catch {
    // no builder at work
  }
  mkdirSync(dir, { recursive: true });
  debug(`none yet: building ${blob} in the background`);
  const { spawn } = process.getBuiltinModule('node:child_process');
  const builder = join(__dirname, 'snapshot.js');
  spawn(process.execPath, [builder, blob], { detached: true, stdio: 'ignore' }).unref();
}

if (inRepository) {
  import('../../../cli/main.ts');
} else {
  try {
    trySnapshot(process.argv.slice(2));
  } catch (error) {
    debug(`not used: ${error instanceof Error ? error.message : error}`);
  }
  enableCompileCache();
  require(bundle);
}
