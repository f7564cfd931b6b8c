/** A delay spread by ±20 %, so clients that lost the same server do not come back in step. */
export function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

// Bounds on the server's advice: a typo on the server must not turn clients into a flood or a stall.
const MIN_INTERVAL_MS = 250;
const MAX_INTERVAL_MS = 300_000;
// A few failures in a row spread a fleet enough; beyond that, waiting longer only hides recovery.
const MAX_BACKOFF_DOUBLINGS = 3;

/**
 * When the next poll goes out. The interval is the server's advice (sync's `pollIntervalMs`)
 * once it gave one. After news, or a long poll the server held for an interval or more, the next
 * poll goes at once; an empty answer that came early waits out the rest of the interval, so a
 * server that does not hold requests is polled at the interval, not in a loop.
 *
 * A failed poll (any failure: a 503 or 429, another error, no answer) is followed by one drawn
 * uniformly from a window that opens at the interval, or the `Retry-After` if later, and is one,
 * three, then seven intervals wide with each failure in a row (2-4 s, 2-8 s, then 2-16 s at a
 * 2 s interval): exponential backoff with jitter. The clients of a lost gateway fail together at
 * an api short of time; when each came back one jittered interval (±20 %) later, they came back
 * together again and were refused again, in waves (docs/benchmarks.md, "Polls that back off
 * after failures in a row").
 */
export class PollPacer {
  #intervalMs: number;
  #nextMs: number;
  /** Failed polls in a row. */
  #failures = 0;
  /** The last failure's `Retry-After`, or 0. */
  #retryAfterMs = 0;

  constructor(
    intervalMs: number,
    private readonly random: () => number,
  ) {
    this.#intervalMs = intervalMs;
    this.#nextMs = intervalMs;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  advise(intervalMs: unknown): void {
    if (typeof intervalMs === 'number' && Number.isFinite(intervalMs) && intervalMs > 0) {
      this.#intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, intervalMs));
    }
  }

  answered(elapsedMs: number, news: boolean): void {
    this.#failures = 0;
    this.#nextMs = news ? 0 : Math.max(0, this.#intervalMs - elapsedMs);
  }

  failed(retryAfterMs?: number): void {
    this.#failures += 1;
    this.#retryAfterMs = retryAfterMs ?? 0;
  }

  /** A new outage: its first poll is an interval away (a reconnect may make it unnecessary). */
  reset(): void {
    this.answered(0, false);
  }

  next(): number {
    if (this.#failures === 0) return jittered(this.#nextMs, this.random);
    const opensAt = Math.max(this.#intervalMs, this.#retryAfterMs);
    const widths = 2 ** Math.min(this.#failures, MAX_BACKOFF_DOUBLINGS) - 1;
    const width = Math.min(MAX_INTERVAL_MS, this.#intervalMs * widths);
    return Math.round(opensAt + width * this.random());
  }
}
