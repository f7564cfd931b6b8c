import type { RestApi } from './rest-api.js';
import type { Notification, NotificationEvent } from './wire.js';

/** This user's notifications, each kept once by id, with the unread count and the poll cursor. */
export class NotificationFeed {
  readonly #byId = new Map<string, Notification>();
  /** Every seq up to this one is held. */
  #contiguous = 0;
  /** Seqs held above the contiguous run: a socket push may overtake an earlier one. */
  readonly #ahead = new Set<number>();

  /** Stores or refreshes a notification; true when it is new to this client. */
  put(notification: Notification): boolean {
    const known = this.#byId.get(notification.id);
    // Read is final: a late socket event must not make a notification unread again.
    this.#byId.set(notification.id, known?.read ? { ...notification, read: true, readAt: known.readAt } : notification);
    this.#hold(notification.seq);
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

  /**
   * The `afterSeq` of the next poll. seq has no gaps in commit order, so everything after it is
   * exactly what this client has not seen (and maybe some it got from the socket, dropped by id).
   */
  get pollAfter(): number {
    return this.#contiguous;
  }

  #hold(seq: number): void {
    if (seq <= this.#contiguous) return;
    this.#ahead.add(seq);
    while (this.#ahead.delete(this.#contiguous + 1)) this.#contiguous += 1;
  }
}

/** A socket NotificationEvent in the REST shape. */
export function notificationOf(event: NotificationEvent): Notification {
  return {
    id: event.notificationId,
    userId: event.userId,
    type: event.type,
    message: event.message,
    // 0, below every cursor, when the publisher set none: the next poll brings its real seq.
    seq: event.seq ?? 0,
    read: false,
    createdAt: event.timestamp,
    readAt: null,
  };
}

/** Every notification after seq `afterSeq`, a page at a time, in seq order. */
export async function fetchNotificationsAfter(api: RestApi, afterSeq: number, pageSize: number, signal?: AbortSignal): Promise<Notification[]> {
  const all: Notification[] = [];
  for (let from = afterSeq; ; ) {
    const page = await api.notifications({ afterSeq: from, limit: pageSize }, signal);
    all.push(...page);
    const last = page.at(-1);
    if (!last || page.length < pageSize) return all;
    from = last.seq;
  }
}
