// What a Node.js process chose, as one JSON line: V8's heap_size_limit, the memory libuv reads from
// the cgroup, and how many threads libuv's pool started (counted from /proc/self/task around the
// first pool job, which starts them all: https://docs.libuv.org/en/v1.x/threadpool.html).
// Run by examples/runtimes/node.test.ts with `node probe.cjs`; plain CommonJS so every Node runs it.
const fs = require('node:fs');
const crypto = require('node:crypto');
const v8 = require('node:v8');

const tasks = () => fs.readdirSync('/proc/self/task');
const before = new Set(tasks());
crypto.pbkdf2('probe', 'salt', 1, 8, 'sha256', () => {
  const started = tasks().filter((t) => !before.has(t)).length;
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  console.log(
    JSON.stringify({
      nodeVersion: process.version,
      heapSizeLimit: v8.getHeapStatistics().heap_size_limit,
      constrainedMemory: constrained,
      threadPoolStarted: started,
    }),
  );
});
