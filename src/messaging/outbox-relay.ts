import type { Logger } from 'pino';
import type { Database } from '../persistence/database.js';
import type { BusEvent } from '../events/events.js';
import type { EventBus } from './event-bus.js';
import { databaseOutage } from '../persistence/driver-errors.js';
import { OutageLog } from '../observability/outage-log.js';

export interface OutboxRelayOptions {
  batchSize?: number;
  /** How often to look for events left over (a failed publish, another process's crash). */
  pollIntervalMs?: number;
  /** How long a claimed batch is ours before another relay may take it. */
  leaseMs?: number;
  /** Wait before a failed event is tried again. */
  retryDelayMs?: number;
  onPublished?: (count: number) => void;
  onPublishFailed?: () => void;
}

interface ClaimedRow {
  position: bigint;
  event_id: string;
  routing_key: string;
  type: string;
  payload: unknown;
}

/**
 * Moves committed outbox rows to the event bus. Events a transaction of this process just
 * committed arrive through `publishCommitted()` and leave at once, from memory; a timer picks
 * up anything left behind (a failed publish, another process's crash). Rows are leased (not
 * held in a transaction) while publishing, so a broker outage never pins a database
 * connection, relays in several processes share the work, and a row is deleted only after the
 * bus confirmed it: delivery is at-least-once, and consumers deduplicate by eventId.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly retryDelayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  // The relay polls every second, so it is the one that notices (and logs) a database outage.
  private readonly databaseOutage: OutageLog;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.databaseOutage = new OutageLog(logger, 'the database');
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs ?? 1_000);
    this.timer.unref();
    this.kick();
  }

  /** Publishes pending events soon; calls made during a drain coalesce into one more pass. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainLoop().finally(() => {
      this.draining = undefined;
    });
  }

  /** Publishes events whose rows were just committed (and leased to us by the Outbox). */
  publishCommitted(events: BusEvent[]): void {
    if (this.stopped) return;
    const done: Promise<void> = this.settle(events.map((e) => ({ key: e.eventId, event: e })))
      .then(() => undefined)
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Resolves when nothing is being published (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.draining || this.inFlight.size > 0) {
      await Promise.all([this.draining, ...this.inFlight]);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.idle();
  }

  /** Rows committed but not yet confirmed by the bus. */
  async pendingCount(): Promise<number> {
    return this.db.prisma.outboxEvent.count();
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.drainBatch()) === this.batchSize);
        this.databaseOutage.up();
      } catch (err) {
        // Busy or unreachable: either way the next pass retries, and the outage is logged once.
        if (databaseOutage(err) !== undefined) this.databaseOutage.down(err);
        else this.logger.warn({ err }, 'outbox relay pass failed; will retry');
      }
    } while (this.again && !this.stopped);
  }

  /** Claims, publishes and deletes one batch; returns how many rows were claimed. */
  private async drainBatch(): Promise<number> {
    const rows = await this.db.prisma.$queryRaw<ClaimedRow[]>`
      UPDATE outbox_events SET claimed_until = now() + ${this.leaseMs} * interval '1 millisecond',
                               attempts = attempts + 1
      WHERE position IN (
        SELECT position FROM outbox_events
        WHERE claimed_until IS NULL OR claimed_until < now()
        ORDER BY position LIMIT ${this.batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING position, event_id, routing_key, type, payload`;
    if (rows.length === 0) return 0;
    rows.sort((a, b) => (a.position < b.position ? -1 : 1));
    const allPublished = await this.settle(rows.map((row) => ({ key: row.event_id, event: toBusEvent(row) })));
    // After a failure, end this pass: the failed rows become claimable after the retry delay,
    // and the next timer pass takes them.
    return allPublished ? rows.length : 0;
  }

  /**
   * Publishes leased events in order, pipelined (confirms arrive asynchronously; order on the
   * channel holds), deletes the confirmed rows and hands the others back for a retry.
   * Returns whether all were confirmed.
   */
  private async settle(batch: { key: string; event: BusEvent }[]): Promise<boolean> {
    const results = await Promise.allSettled(batch.map(({ event }) => this.bus.publish(event)));
    const published = batch.filter((_, i) => results[i]!.status === 'fulfilled').map((b) => b.key);
    const failed = batch.filter((_, i) => results[i]!.status === 'rejected').map((b) => b.key);
    try {
      if (published.length > 0) {
        await this.db.prisma.outboxEvent.deleteMany({ where: { eventId: { in: published } } });
        this.options.onPublished?.(published.length);
      }
      if (failed.length > 0) {
        const reason = String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason);
        this.logger.warn({ failed: failed.length, err: reason }, 'event bus did not confirm; will retry');
        this.options.onPublishFailed?.();
        // On the database's clock, like every lease (see Outbox).
        await this.db.prisma.$executeRaw`
          UPDATE outbox_events SET claimed_until = now() + ${this.retryDelayMs} * interval '1 millisecond',
                                   last_error = ${reason.slice(0, 500)}
          WHERE event_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(failed)}::jsonb)::uuid)`;
      }
    } catch (err) {
      // The rows stay leased until their lease runs out; then a pass publishes them again.
      this.logger.warn({ err }, 'outbox bookkeeping failed; leased rows will be retried');
    }
    return failed.length === 0;
  }
}

function toBusEvent(row: ClaimedRow): BusEvent {
  return { type: row.type, routingKey: row.routing_key, eventId: row.event_id, payload: row.payload } as BusEvent;
}
