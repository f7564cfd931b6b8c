import type { ChatSync } from './chat-sync.js';
import type { RestApi } from './rest-api.js';
import { MAX_SYNC_TRADES, type Notification, type SyncResponse, type Trade } from './wire.js';

export interface SyncRoundHost {
  api: RestApi;
  /** The watched trades' chats, by trade id. */
  chats(): ReadonlyMap<string, ChatSync>;
  /** The notification cursor (`afterSeq`). */
  notificationsAfter(): number;
  onNotifications(notifications: Notification[], announce: boolean): void;
  /** Trades opened or changed since the last answer (never called for the first, the backlog). */
  onTrades(trades: Trade[]): void;
  /** A listed trade the server no longer answers for this user. */
  onRefused(tradeId: string, error: string): void;
  onAdvice(pollIntervalMs: number): void;
}

export interface SyncRoundOptions {
  /** Long poll: seconds the server may hold the request while nothing is new. */
  wait: number;
  /** The notifications before start-up: from seq 0, and not announced. */
  notificationBacklog: boolean;
  signal?: AbortSignal;
}

/**
 * Catching up through `GET /sync`: one request for every cursor (chat per trade, notifications,
 * the caller's trades), again at once while the server says `more`. Holds the trades cursor.
 *
 * The first answer without a cursor lists all the caller's trades: that is history, not news,
 * so it only sets the cursor. Every later answer brings trades opened or changed since, which
 * is how a trade opened while the socket was down is learnt.
 */
export class SyncRounds {
  #tradesCursor: string | undefined;

  constructor(private readonly host: SyncRoundHost) {}

  /** Resolves true when anything new came. Rejects with the ApiError of a failed request. */
  async run(options: SyncRoundOptions): Promise<boolean> {
    let news = false;
    let backlog = options.notificationBacklog;
    const tradesBacklog = this.#tradesCursor === undefined;
    for (let more = true; more; ) {
      more = false;
      const chunks = chunked([...this.host.chats()], MAX_SYNC_TRADES);
      // A user watching more trades than one request takes is polled, not held, chunk by chunk.
      const wait = chunks.length === 1 ? options.wait : 0;
      for (const chunk of chunks) {
        // Every message held now was committed before the request: the answer covers below it.
        const horizons = new Map(chunk.map(([tradeId, sync]) => [tradeId, sync.feed.horizon]));
        const answer = await this.host.api.sync(
          {
            trades: chunk.map(([tradeId, sync]) => ({ tradeId, afterSeq: sync.feed.cursor })),
            notificationsAfterSeq: backlog ? 0 : this.host.notificationsAfter(),
            ...(this.#tradesCursor === undefined ? {} : { tradesAfter: this.#tradesCursor }),
            wait,
          },
          options.signal,
        );
        news = this.#apply(answer, horizons, backlog, tradesBacklog) || news;
        backlog = false;
        more ||= answer.more;
      }
    }
    return news;
  }

  #apply(answer: SyncResponse, horizons: Map<string, number>, backlog: boolean, tradesBacklog: boolean): boolean {
    const chats = this.host.chats();
    let news = answer.notifications.length > 0 || (!tradesBacklog && answer.trades.length > 0);
    this.host.onAdvice(answer.pollIntervalMs);
    for (const [tradeId, page] of Object.entries(answer.chat ?? {})) {
      const sync = chats.get(tradeId);
      if (!sync || !horizons.has(tradeId)) continue;
      news ||= page.length > 0;
      const lastSeq = page.at(-1)?.seq ?? 0;
      // `more` may mean this list was cut at its page limit: trust it only as far as it goes.
      sync.apply(page, answer.more ? lastSeq : Math.max(horizons.get(tradeId)!, lastSeq));
    }
    for (const [tradeId, { error }] of Object.entries(answer.errors ?? {})) {
      news = true;
      this.host.onRefused(tradeId, error);
    }
    this.host.onNotifications(answer.notifications, !backlog);
    if (!tradesBacklog) this.host.onTrades(answer.trades);
    this.#tradesCursor = answer.tradesCursor;
    return news;
  }
}

function chunked<T>(items: T[], size: number): T[][] {
  if (items.length === 0) return [[]];
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
