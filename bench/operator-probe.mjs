// Preloaded into the operator by the cluster benchmarks (`node --expose-gc --import
// bench/operator-probe.mjs operator/microservice/main.ts …`, with an IPC channel): on the message 'gc' it runs two
// full garbage collections and answers with process.memoryUsage(), so memory is read after GC
// without changing the operator. It never keeps the process alive.
const gc = globalThis.gc;
if (process.send) {
  process.on('message', (message) => {
    if (message !== 'gc') return;
    gc?.();
    gc?.();
    process.send?.({ memory: process.memoryUsage() });
  });
  process.channel?.unref();
}
