interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (err: unknown) => void;
}

/** At most this many keys per query: a bounded statement, whatever the storm. */
const MAX_BATCH = 500;

/**
 * Lookups by key asked for in the same turn of the event loop, answered by one query for all of
 * them (the DataLoader pattern). When a gateway dies, its clients' subscriptions reach a survivor
 * whose cache knows none of their trades: thousands of one-row reads, each paying Prisma's fixed
 * cost per query, were a tenth of the survivor's CPU in the failover bench. The batch is sent in
 * setImmediate, after the turn's I/O: every frame read in that turn joins it, and a lone lookup
 * waits for nothing else.
 *
 * A key asked for twice in a turn is queried once. A failed query fails every lookup of its
 * batch; a key the query does not return resolves to undefined.
 */
export class BatchedLookup<V> {
  #waiting = new Map<string, Waiter<V>[]>();

  constructor(private readonly fetchMany: (keys: string[]) => Promise<Map<string, V>>) {}

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) setImmediate(() => this.#flush());
      const waiters = this.#waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
    });
  }

  #flush(): void {
    const batch = [...this.#waiting];
    this.#waiting = new Map();
    for (let from = 0; from < batch.length; from += MAX_BATCH) {
      const chunk = batch.slice(from, from + MAX_BATCH);
      this.fetchMany(chunk.map(([key]) => key)).then(
        (found) => {
          for (const [key, waiters] of chunk) for (const waiter of waiters) waiter.resolve(found.get(key));
        },
        (err: unknown) => {
          for (const [, waiters] of chunk) for (const waiter of waiters) waiter.reject(err);
        },
      );
    }
  }
}
