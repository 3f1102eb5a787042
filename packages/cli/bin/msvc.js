#!/usr/bin/env node
// The installed `msvc` command: the compiled CLI (dist/, built by `npm pack`'s prepack), plain
// JavaScript on Node 22 and 24; no TypeScript at run time. Inside this repository (the workspace
// link node_modules/.bin/msvc, before anything is packed) it runs the source, like bin/msvc.js.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const inRepository = !import.meta.url.includes('/node_modules/') && !existsSync(compiled);
await import(inRepository ? '../../../cli/main.ts' : compiled.href);
