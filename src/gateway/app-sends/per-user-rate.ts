// Past this many users tracked, users idle long enough to be full again are forgotten (at most
// once a second), so the table holds recent senders only.
const SWEEP_ABOVE = 10_000;

/**
 * A token bucket per user: `burst` at once, then `perSecond`. In this process's memory, so a
 * user with sessions on two gateways gets each gateway's allowance.
 */
export class PerUserRate {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #sweptAt = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Users tracked: recent senders, and older ones until the table grows past SWEEP_ABOVE. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Whether the user may act now; if so, it is counted. */
  take(userId: string): boolean {
    const now = this.now();
    if (this.#buckets.size > SWEEP_ABOVE && now - this.#sweptAt >= 1_000) this.#sweep(now);
    const bucket = this.#buckets.get(userId);
    const tokens = bucket ? this.#refilled(bucket, now) : this.burst;
    const allowed = tokens >= 1;
    this.#buckets.set(userId, { tokens: allowed ? tokens - 1 : tokens, at: now });
    return allowed;
  }

  #refilled(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1_000);
  }

  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [userId, bucket] of this.#buckets) if (this.#refilled(bucket, now) >= this.burst) this.#buckets.delete(userId);
  }
}
