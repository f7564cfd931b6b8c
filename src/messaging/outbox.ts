import type { Prisma } from '../generated/prisma/client.js';
import type { Database } from '../persistence/database.js';
import type { BusEvent } from '../events/events.js';

export type StageEvents = (...events: BusEvent[]) => void;

/** Where committed events go at once: the relay's publish-from-memory path. */
export type PublishCommitted = (events: BusEvent[]) => void;

/**
 * Transactional outbox as a unit of work: `transaction()` runs the work in one database
 * transaction, writes the events it staged to `outbox_events` in that same transaction, and
 * hands them to the relay right after the commit. Committed means published eventually; rolled
 * back means never published.
 *
 * The rows are written already leased to this process for `freshLeaseMs`, so the relay's
 * periodic pass leaves them alone while they are published from memory (no read-back on the
 * hot path); if this process dies first, the lease runs out and any relay publishes them.
 */
export class Outbox {
  constructor(
    private readonly db: Database,
    private readonly publishCommitted: PublishCommitted,
    private readonly freshLeaseMs = 10_000,
  ) {}

  async transaction<T>(work: (tx: Prisma.TransactionClient, stage: StageEvents) => Promise<T>): Promise<T> {
    const staged: BusEvent[] = [];
    const result = await this.db.prisma.$transaction(async (tx) => {
      const value = await work(tx, (...events) => staged.push(...events));
      if (staged.length > 0) await this.#insert(tx, staged);
      return value;
    });
    if (staged.length > 0) this.publishCommitted(staged);
    return result;
  }

  /**
   * The lease is reckoned on the database's clock, as the relay's claims are: an app host whose
   * clock ran behind would otherwise write leases already over, and its events would go out
   * twice. Rows keep the staging order (positions are taken in ORDER BY order).
   */
  async #insert(tx: Prisma.TransactionClient, events: BusEvent[]): Promise<void> {
    const rows = JSON.stringify(events.map((e) => ({ id: e.eventId, key: e.routingKey, type: e.type, payload: e.payload })));
    await tx.$executeRaw`
      INSERT INTO outbox_events (event_id, routing_key, type, payload, claimed_until)
      SELECT (e.row->>'id')::uuid, e.row->>'key', e.row->>'type', e.row->'payload',
             clock_timestamp() + ${this.freshLeaseMs} * interval '1 millisecond'
      FROM jsonb_array_elements(${rows}::jsonb) WITH ORDINALITY AS e(row, n)
      ORDER BY e.n`;
  }
}
