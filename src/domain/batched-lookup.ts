interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (err: unknown) => void;
}

/** At most this many keys per query: a bounded statement, whatever the storm. */
const MAX_CHUNK = 500;

/**
 * Lookups by key asked for in the same turn of the event loop, answered by one query per chunk of
 * at most MAX_CHUNK keys (the DataLoader pattern). The chunk is sent in setImmediate, after the
 * turn's I/O: every request or frame read in that turn joins it, and a lone lookup waits for
 * nothing else.
 *
 * A key asked for twice in a turn is queried once. A key the query does not return resolves to
 * undefined. A failed query fails every lookup of its chunk, and only those.
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
    for (let from = 0; from < batch.length; from += MAX_CHUNK) {
      const chunk = batch.slice(from, from + MAX_CHUNK);
      // Through a promise, so that a fetchMany that throws at once fails its chunk, not the process.
      Promise.resolve(chunk.map(([key]) => key))
        .then((keys) => this.fetchMany(keys))
        .then((found) => {
          for (const [key, waiters] of chunk) for (const waiter of waiters) waiter.resolve(found.get(key));
        })
        .catch((err: unknown) => {
          for (const [, waiters] of chunk) for (const waiter of waiters) waiter.reject(err);
        });
    }
  }
}
