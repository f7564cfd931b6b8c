export interface BackoffOptions {
  /** Ceiling of the first delay. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Uniform in [0, 1): Math.random, or a fixed sequence in tests. */
  random: () => number;
}

/**
 * Reconnect delays: exponential backoff with full jitter, each delay uniform in
 * [0, min(maxMs, baseMs · 2^attempt)). The jitter spreads the reconnects of every client that
 * lost the same gateway, so a restarted gateway is not hit by all of them in the same instant.
 */
export class Backoff {
  #attempt = 0;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.baseMs > 0 && options.maxMs >= options.baseMs)) {
      throw new RangeError('backoff needs 0 < baseMs <= maxMs');
    }
  }

  next(): number {
    const delay = this.#draw(this.#attempt);
    this.#attempt += 1;
    return delay;
  }

  /**
   * A delay under the last one's ceiling, without raising it: for a try that reached a gateway
   * which is up but was too slow. Growing the wait would bring a fleet that timed out at a busy
   * survivor back in ever sparser storms while it sits idle in between.
   */
  repeat(): number {
    return this.#draw(Math.max(0, this.#attempt - 1));
  }

  #draw(attempt: number): number {
    const ceiling = Math.min(this.options.maxMs, this.options.baseMs * 2 ** attempt);
    return Math.floor(this.options.random() * ceiling);
  }

  /** After a connection proved healthy: the next loss starts again from the base delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
