import type { SenderRole } from '../contract/trade-status.js';

/** A trade's chat as one side sees it (the other side's system messages are not its news); a mediator sees all. */
export const chatKey = (tradeId: string, role: SenderRole) => `c:${tradeId}:${role}`;
export const notificationKey = (userId: string) => `n:${userId}`;
export const tradeFeedKey = (userId: string) => `f:${userId}`;
/** A party's last-read seq in a trade: it only grows, so it is cached as a head. */
export const readKey = (tradeId: string, userId: string) => `r:${tradeId}:${userId}`;

/**
 * `head`: every item with a higher position is uncommitted or its event has not reached this
 * process yet. `known` false: a commit was announced without its position, read the database.
 */
interface Entry {
  head: number;
  known: boolean;
  gen: number;
}

/** Taken before a database read; the read may fill the cache only if nothing was invalidated since. */
export interface FillTicket {
  epoch: number;
  gen: number;
}

/**
 * The heads of every feed the sync route serves, so a sync whose cursors are all current needs no
 * database. Values only grow (max) while trusted, so an event and a read racing each other leave
 * the higher, true head. The cache answers only while `trusted` (this process's bus consumer is
 * connected): every change of trust starts a new epoch with an empty cache, and a read that began
 * in an older epoch may not fill it, since events of that gap may be lost.
 */
export class HeadCache {
  private readonly entries = new Map<string, Entry>();
  /** Database reads in flight per key (tickets taken, not yet released). */
  private readonly pending = new Map<string, number>();
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly epochWatchers = new Set<() => void>();
  private epoch = 0;
  private isTrusted = false;

  constructor(private readonly maxEntries: number) {}

  get trusted(): boolean {
    return this.isTrusted;
  }

  setTrusted(trusted: boolean): void {
    this.isTrusted = trusted;
    this.reset();
  }

  /** The head the cache vouches for, or undefined: read the database. */
  head(key: string): number | undefined {
    if (!this.isTrusted) return undefined;
    const entry = this.entries.get(key);
    return entry?.known ? entry.head : undefined;
  }

  /** The cache holds an entry for `key` (it is being synced), known or not. */
  tracks(key: string): boolean {
    return this.entries.has(key);
  }

  /** Taken before a read of `key` starts; `release` it when the read is over, filled or not. */
  ticket(key: string): FillTicket {
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    return { epoch: this.epoch, gen: this.entries.get(key)?.gen ?? 0 };
  }

  release(key: string): void {
    const left = (this.pending.get(key) ?? 1) - 1;
    if (left > 0) this.pending.set(key, left);
    else this.pending.delete(key);
  }

  /** A head read from the database by a read that took `ticket` before it started. */
  fill(key: string, head: number, ticket: FillTicket): void {
    if (!this.isTrusted || ticket.epoch !== this.epoch) return;
    const entry = this.entries.get(key);
    if ((entry?.gen ?? 0) !== ticket.gen) return;
    if (entry) {
      entry.head = Math.max(entry.head, head);
      entry.known = true;
    } else {
      this.insert(key, { head, known: true, gen: 0 });
    }
  }

  /**
   * A commit at `position` (an event, or this process's own commit). A key nobody reads stays
   * absent (unknown: read the database), so memory follows what is synced; while a read of it is
   * in flight, the entry is made so that the read fills with the higher of its head and this one.
   */
  raise(key: string, position: number): void {
    const entry = this.entries.get(key);
    if (entry) entry.head = Math.max(entry.head, position);
    else if (this.pending.has(key)) this.insert(key, { head: position, known: true, gen: 0 });
    this.notify(key);
  }

  /** A commit whose position is unknown: the next sync reads the database, and a read in flight may not fill. */
  invalidate(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.known = false;
      entry.gen++;
    } else if (this.pending.has(key)) {
      this.insert(key, { head: 0, known: false, gen: 1 });
    }
    this.notify(key);
  }

  /** Calls `onChange` once any of `keys` changes or trust changes; returns the unwatch. */
  watch(keys: readonly string[], onChange: () => void): () => void {
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (!set) this.watchers.set(key, (set = new Set()));
      set.add(onChange);
    }
    this.epochWatchers.add(onChange);
    return () => {
      for (const key of keys) {
        const set = this.watchers.get(key);
        set?.delete(onChange);
        if (set?.size === 0) this.watchers.delete(key);
      }
      this.epochWatchers.delete(onChange);
    };
  }

  private insert(key: string, entry: Entry): void {
    // Full: start over (a new epoch) rather than evict one by one, so no ticket outlives its entry.
    if (this.entries.size >= this.maxEntries) this.reset();
    this.entries.set(key, entry);
  }

  private reset(): void {
    this.epoch++;
    this.entries.clear();
    for (const onChange of [...this.epochWatchers]) onChange();
  }

  private notify(key: string): void {
    const set = this.watchers.get(key);
    if (set) for (const onChange of [...set]) onChange();
  }
}
