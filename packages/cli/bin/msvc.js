#!/usr/bin/env node
// The installed `msvc` command: the compiled CLI (dist/, built by `npm pack`'s prepack), plain
// JavaScript on Node 22 and 24; no TypeScript at run time.
await import('../dist/cli/main.js');
