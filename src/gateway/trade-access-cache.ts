import type { TradeAccess } from '../domain/trade-service.js';
import type { TradeRole } from '../events/events.js';

interface Entry {
  expiresAt: number;
  role: Promise<TradeRole | null>;
}

/**
 * Remembers TradeAccess answers briefly: a client subscribing to a trade and its chat, or a
 * reconnect storm, asks the database once per (trade, user). Concurrent asks share one query.
 * A trade's buyer and seller never change, and a trade id is unguessable until the trade
 * exists, so neither answer goes stale in a way that matters within the TTL.
 */
export class CachedTradeAccess implements TradeAccess {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly source: TradeAccess,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  roleInTrade(tradeId: string, userId: string): Promise<TradeRole | null> {
    const key = `${tradeId} ${userId}`;
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.role;

    const entry: Entry = { expiresAt: now + this.ttlMs, role: this.source.roleInTrade(tradeId, userId) };
    // Re-inserting keeps the Map in expiry order, so the first key is always the one to evict.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    // A failed lookup must be retried by the next caller, not served from the cache.
    entry.role.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.role;
  }
}
