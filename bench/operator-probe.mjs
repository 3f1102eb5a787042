// Preloaded into the operator by the cluster benchmarks (`node --expose-gc --import
// bench/operator-probe.mjs operator/microservice/main.ts …`, with an IPC channel): on the message 'gc' it runs two
// full garbage collections and answers with process.memoryUsage(), V8's heap statistics (malloced_memory: what V8
// itself holds through malloc, compiler zones mostly) and the size of every heap space, so memory is read after GC
// without changing the operator; on { snapshot: path } it writes a heap snapshot there (after GC) and answers with
// the path. It never keeps the process alive.
import v8 from 'node:v8';

const gc = globalThis.gc;
if (process.send) {
  process.on('message', (message) => {
    if (message === 'gc') {
      gc?.();
      gc?.();
      process.send?.({
        memory: process.memoryUsage(),
        heap: v8.getHeapStatistics(),
        spaces: v8.getHeapSpaceStatistics(),
      });
    } else if (typeof message === 'object' && message !== null && typeof message.snapshot === 'string') {
      gc?.();
      process.send?.({ snapshot: v8.writeHeapSnapshot(message.snapshot) });
    }
  });
  process.channel?.unref();
}
