import { randomUUID } from 'node:crypto';
import type { Database } from '../persistence/database.js';
import type { Prisma, Notification as NotificationRow } from '../generated/prisma/client.js';
import { violatesUnique } from '../persistence/driver-errors.js';
import type { Outbox } from '../messaging/outbox.js';
import { notificationEvent } from '../events/events.js';
import type { Notification } from '../contract/shapes.js';
import type { Actor } from '../auth/actor.js';
import { notFound } from './errors.js';
import { isUuid } from '../contract/ids.js';

export type { Notification };

export interface NotifyInput {
  type: string;
  message: string;
  /** The event that caused it: notifying twice for one event stores one notification. */
  sourceEventId?: string;
}

export class NotificationService {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
  ) {}

  async notifyUser(userId: string, input: NotifyInput): Promise<Notification[]> {
    return this.notifyUsers([userId], input);
  }

  /**
   * Stores one notification per user and its NotificationEvent, all in one transaction.
   * With a sourceEventId already handled, nothing is written and nothing is published.
   */
  async notifyUsers(userIds: string[], input: NotifyInput): Promise<Notification[]> {
    try {
      const rows = await this.outbox.transaction(async (tx, stage) => {
        const created: NotificationRow[] = [];
        // One at a time and in one order: each takes its user's counter row lock until commit,
        // and two transactions taking two users' locks in opposite orders would deadlock.
        for (const userId of [...new Set(userIds)].sort()) {
          const seq = await nextSeq(tx, userId);
          created.push(
            await tx.notification.create({
              data: { id: randomUUID(), userId, seq, type: input.type, message: input.message, sourceEventId: input.sourceEventId },
            }),
          );
        }
        stage(
          ...created.map((n) =>
            notificationEvent({
              eventId: randomUUID(),
              userId: n.userId,
              notificationId: n.id,
              type: n.type,
              message: n.message,
              timestamp: n.createdAt.toISOString(),
              seq: n.seq,
            }),
          ),
        );
        return created;
      });
      return rows.map(toNotification);
    } catch (err) {
      // Only this key means "handled before"; a clash on (user_id, seq) is a real failure.
      if (input.sourceEventId && violatesUnique(err, 'notifications_source_event_id_user_id_key')) return [];
      throw err;
    }
  }

  /** Oldest first. `afterSeq` is the gapless cursor; `since` compares creation times. */
  async list(actor: Actor, query: { since?: Date; afterSeq?: number; unreadOnly?: boolean; limit?: number }): Promise<Notification[]> {
    const rows = await this.db.reads.run(() =>
      this.db.prisma.notification.findMany({
        where: {
          userId: actor.userId,
          ...(query.since ? { createdAt: { gt: query.since } } : {}),
          ...(query.afterSeq !== undefined ? { seq: { gt: query.afterSeq } } : {}),
          ...(query.unreadOnly ? { read: false } : {}),
        },
        // By time when paging by time; else by seq, which is commit order.
        orderBy: query.since ? [{ createdAt: 'asc' }, { id: 'asc' }] : { seq: 'asc' },
        take: Math.min(query.limit ?? 1000, 1000),
      }),
    );
    return rows.map(toNotification);
  }

  /** Idempotent; someone else's notification is reported as missing, not as forbidden. */
  async markRead(actor: Actor, notificationId: string): Promise<Notification> {
    const row = isUuid(notificationId) ? await this.db.prisma.notification.findUnique({ where: { id: notificationId } }) : null;
    if (!row || row.userId !== actor.userId) throw notFound(`notification ${notificationId} not found`);
    if (row.read) return toNotification(row);
    const updated = await this.db.prisma.notification.update({
      where: { id: notificationId },
      data: { read: true, readAt: new Date() },
    });
    return toNotification(updated);
  }
}

/**
 * The user's next notification seq. The counter row stays locked until the transaction ends, so
 * a user's notifications commit in seq order and a reader past seq N never misses a later commit
 * below it.
 */
async function nextSeq(tx: Prisma.TransactionClient, userId: string): Promise<number> {
  const [row] = await tx.$queryRaw<{ seq: number }[]>`
    INSERT INTO notification_counters (user_id, last_seq) VALUES (${userId}, 1)
    ON CONFLICT (user_id) DO UPDATE SET last_seq = notification_counters.last_seq + 1
    RETURNING last_seq AS seq`;
  return row!.seq;
}

export function toNotification(row: Pick<NotificationRow, keyof Notification>): Notification {
  return {
    id: row.id,
    userId: row.userId,
    type: row.type,
    message: row.message,
    seq: row.seq,
    read: row.read,
    createdAt: row.createdAt.toISOString(),
    readAt: row.readAt?.toISOString() ?? null,
  };
}
