// node:http, loaded without an ESM namespace. `import http from 'node:http'` builds the module's
// namespace, which reads every export, and Node 24's http exports WebSocket, CloseEvent and
// MessageEvent as lazy getters that load undici (Node's fetch, ~760 KB of JavaScript): 5.5 MiB of
// RSS and 2 MiB of V8 heap for code the operator never runs (measured with Node 24.21: a process
// that loads node:http one way or the other; bench/results/memory-fix.json for the operator).
// process.getBuiltinModule returns the CommonJS exports as they are, getters untouched
// (https://nodejs.org/api/process.html#processgetbuiltinmoduleid, Node 22.3+).
export const http: typeof import('node:http') = process.getBuiltinModule('node:http');
