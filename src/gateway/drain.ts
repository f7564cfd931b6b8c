import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** A session the drain can close. */
export interface Drainable {
  drain(retryAfterMs: number): void;
}

// Short enough that the reconnects form a near-even stream, long enough that a drain of
// thousands of sessions is a few dozen timer callbacks.
const BATCH_EVERY_MS = 250;

/**
 * Closes `sessions` in equal batches spread over `windowMs`: the first at once, the last one
 * period before the window ends, so its clients' close handshakes finish inside the window.
 * Each client is advised a delay uniform within one period, which spreads a batch's reconnects
 * until the next batch: the other gateways see an even stream, not a stampede. Resolves when
 * the window is over, or at the next period once `stopped()` (closed, or nobody left).
 */
export async function drainInBatches(
  sessions: readonly Drainable[],
  windowMs: number,
  stopped: () => boolean,
  random: () => number = Math.random,
): Promise<void> {
  const batches = Math.max(1, Math.floor(windowMs / BATCH_EVERY_MS));
  const periodMs = windowMs / batches;
  const start = performance.now();
  for (let batch = 0; batch < batches; batch++) {
    if (stopped()) return;
    const [from, to] = [batch, batch + 1].map((b) => Math.floor((sessions.length * b) / batches));
    for (const session of sessions.slice(from, to)) session.drain(random() * periodMs);
    // Against the start, not the last wake-up: a busy event loop must not stretch the window.
    await sleep(Math.max(0, start + (batch + 1) * periodMs - performance.now()));
  }
}
