/** Latency percentiles in milliseconds. */
export interface Percentiles {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A fixed-capacity store of latency samples (ms): no allocation per sample on the hot path. */
export class Samples {
  #values: Float64Array;
  #count = 0;

  constructor(capacity: number) {
    this.#values = new Float64Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  add(ms: number): void {
    // Past capacity the run is longer than planned; doubling keeps every sample.
    if (this.#count === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#count++] = ms;
  }

  percentiles(): Percentiles {
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { samples: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
  }
}

/**
 * The receive side's view of a run: deliveries counted by every client, and latency samples
 * when a run records them (left undefined in throughput runs, so clients skip the work).
 */
export interface Tally {
  deliveries: number;
  latency: Samples | undefined;
  /** Clients the server closed after they had subscribed (slow-client drops, crashes). */
  dropped: number;
}

export function newTally(): Tally {
  return { deliveries: 0, latency: undefined, dropped: 0 };
}
