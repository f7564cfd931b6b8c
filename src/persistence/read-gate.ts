/** A read that waited its whole allowance for a turn: the API answers it 503, not 500. */
export class ReadCapacityError extends Error {
  constructor(waitedMs: number) {
    super(`no database read capacity within ${waitedMs} ms`);
    this.name = 'ReadCapacityError';
  }
}

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Bounds how many reads use the database at once, so a poll storm can hold at most `limit`
 * connections and the rest of the pool stays free for writes. Reads beyond the bound wait in
 * arrival order, in memory rather than in the pool's queue, where a transaction would wait behind
 * them; a read that waits longer than `waitMs` fails at once instead of adding to the backlog.
 */
export class ReadGate {
  #active = 0;
  // A Set keeps arrival order and lets a timed-out waiter leave from the middle in O(1).
  readonly #waiting = new Set<Waiter>();

  constructor(
    readonly limit: number,
    readonly waitMs: number,
  ) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active < this.limit) this.#active++;
    else await this.#turn();
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #turn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          this.#waiting.delete(waiter);
          reject(new ReadCapacityError(this.waitMs));
        }, this.waitMs),
      };
      this.#waiting.add(waiter);
    });
  }

  /** The slot passes straight to the next waiter, so a newcomer cannot overtake the queue. */
  #release(): void {
    const next = this.#waiting.values().next();
    if (next.done) {
      this.#active--;
      return;
    }
    this.#waiting.delete(next.value);
    clearTimeout(next.value.timer);
    next.value.admit();
  }
}
