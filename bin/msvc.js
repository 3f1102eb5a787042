#!/usr/bin/env node
// The `msvc` command. The CLI is TypeScript that Node runs directly (type stripping, Node 22.18+);
// `npx msvc` puts this project's pinned Node 24 (node_modules/.bin) first on PATH. When installed
// as a dependency, Node will not strip types under node_modules, so the compiled dist/ is used.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `msvc: Node ${process.versions.node} is too old (needs 22.18 or later to run TypeScript).\n` +
      'Run it as `npx msvc …` (uses the Node 24 this project pins) or install Node 24.\n',
  );
  process.exit(1);
}
const installed = import.meta.url.includes('/node_modules/');
await import(installed ? '../dist/cli/main.js' : '../cli/main.ts');
