#!/usr/bin/env node
// The installed `msvc` command: the CLI bundled into one file (dist/msvc.js, built by `npm pack`'s
// prepack with esbuild: packages/build.ts), plain JavaScript on Node 22 and 24; no TypeScript at run
// time. Node's compile cache is switched on before the bundle loads, so the bundle's compiled code
// is reused between runs (https://nodejs.org/api/module.html#module-compile-cache; the cache is in
// the OS temp directory unless NODE_COMPILE_CACHE says otherwise).
// Inside this repository (the workspace link node_modules/.bin/msvc, before anything is packed) it
// runs the source, like bin/msvc.js.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

const bundle = new URL('../dist/msvc.js', import.meta.url);
const inRepository = !import.meta.url.includes('/node_modules/') && !existsSync(bundle);
if (!inRepository) enableCompileCache();
await import(inRepository ? '../../../cli/main.ts' : bundle.href);
