import type { RestApi } from './rest-api.js';
import type { Notification, NotificationEvent } from './wire.js';

/**
 * How far before the newest notification seen a poll starts again. `createdAt` is taken when
 * the row is written, not when it commits, so a notification can become visible after one
 * with a later `createdAt` has already been seen; re-reading a short window (duplicates are
 * dropped by id) catches it.
 */
const POLL_OVERLAP_MS = 10_000;

/** This user's notifications, each kept once by id, with the unread count and the poll cursor. */
export class NotificationFeed {
  readonly #byId = new Map<string, Notification>();
  #newestMs = 0;

  /** Stores or refreshes a notification; true when it is new to this client. */
  put(notification: Notification): boolean {
    const known = this.#byId.get(notification.id);
    // Read is final: a late socket event must not make a notification unread again.
    this.#byId.set(notification.id, known?.read ? { ...notification, read: true, readAt: known.readAt } : notification);
    this.#newestMs = Math.max(this.#newestMs, Date.parse(notification.createdAt));
    return !known;
  }

  get unread(): number {
    let count = 0;
    for (const n of this.#byId.values()) if (!n.read) count += 1;
    return count;
  }

  /** Newest first. */
  list(): Notification[] {
    return [...this.#byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The `since` of the next poll; undefined before any notification was seen. */
  get pollFrom(): string | undefined {
    return this.#newestMs ? new Date(this.#newestMs - POLL_OVERLAP_MS).toISOString() : undefined;
  }
}

/** A socket NotificationEvent in the REST shape. */
export function notificationOf(event: NotificationEvent): Notification {
  return {
    id: event.notificationId,
    userId: event.userId,
    type: event.type,
    message: event.message,
    read: false,
    createdAt: event.timestamp,
    readAt: null,
  };
}

/** Every notification created after `since` (all without it), a page at a time, oldest first. */
export async function fetchNotificationsAfter(api: RestApi, since: string | undefined, pageSize: number): Promise<Notification[]> {
  const all: Notification[] = [];
  for (let from = since; ; ) {
    const page = await api.notifications({ since: from, limit: pageSize });
    all.push(...page);
    const last = page.at(-1);
    if (!last || page.length < pageSize) return all;
    // Rows sharing the last one's millisecond may continue on the next page: step back 1 ms.
    const next = new Date(Date.parse(last.createdAt) - 1).toISOString();
    // A whole page within one millisecond cannot be paged by time: stop rather than loop.
    if (from !== undefined && next <= from) return all;
    from = next;
  }
}
