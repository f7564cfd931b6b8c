// Preloaded (`--import`) into every Node server under test, started with --expose-gc: lets the
// bench collect garbage before reading memory, without the server's own code knowing about it.
// Plain JavaScript so that the product's compiled processes run without tsx's loader.
process.on('message', (message) => {
  if (message?.type !== 'bench:gc' || !globalThis.gc) return;
  // Twice: the first pass may only schedule finalizers whose memory the second one frees.
  globalThis.gc();
  globalThis.gc();
  process.send?.({ type: 'bench:gc-done', memory: process.memoryUsage() });
});
// The channel must not keep a server alive that would otherwise exit, and a server whose bench
// died (killed, crashed) must not outlive it.
process.channel?.unref();
process.once('disconnect', () => process.exit(1));
