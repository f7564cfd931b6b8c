import type { ChatSync } from './chat-sync.js';
import type { RestApi } from './rest-api.js';
import { MAX_SYNC_TRADES, type Notification, type SyncResponse, type SyncTradeReads, type Trade } from './wire.js';

export interface SyncRoundHost {
  api: RestApi;
  /** The watched trades' chats, by trade id. */
  chats(): ReadonlyMap<string, ChatSync>;
  /** The notification cursor (`afterSeq`). */
  notificationsAfter(): number;
  onNotifications(notifications: Notification[], announce: boolean): void;
  /** Trades opened or changed since the last answer (never called for the first, the backlog). */
  onTrades(trades: Trade[]): void;
  /** A watched trade's read seqs as this client knows them (sent, so a long poll wakes when either moves). */
  reads(tradeId: string): SyncTradeReads | undefined;
  /** A listed trade's read seqs as the server has them (its own and the other party's). */
  onReads(tradeId: string, reads: SyncTradeReads): void;
  /** A listed trade the server no longer answers for this user. */
  onRefused(tradeId: string, error: string): void;
  onAdvice(pollIntervalMs: number): void;
}

export interface SyncRoundOptions {
  /** Long poll: seconds the server may hold the request while nothing is new. */
  wait: number;
  /** The notifications before start-up: from seq 0, and not announced. */
  notificationBacklog: boolean;
  /** Every cursor read from the database (the contract's `fresh`): the catch-up after a connect. */
  fresh?: boolean;
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
  /**
   * The run in flight that asked for the history (no cursor yet). Another run waits for it: asking
   * for the history too, its answer could list a trade opened after the first answer as history,
   * and its cursor, set last, would then pass over that trade for good.
   */
  #historyRun: Promise<boolean> | undefined;

  constructor(private readonly host: SyncRoundHost) {}

  /** Resolves true when anything new came. Rejects with the ApiError of a failed request. */
  async run(options: SyncRoundOptions): Promise<boolean> {
    while (this.#tradesCursor === undefined && this.#historyRun) await this.#historyRun.catch(() => undefined);
    if (this.#tradesCursor !== undefined) return this.#run(options, false);
    const run = this.#run(options, true);
    this.#historyRun = run;
    try {
      return await run;
    } finally {
      if (this.#historyRun === run) this.#historyRun = undefined;
    }
  }

  async #run(options: SyncRoundOptions, tradesBacklog: boolean): Promise<boolean> {
    let news = false;
    let backlog = options.notificationBacklog;
    for (let more = true; more; ) {
      more = false;
      const chunks = chunked([...this.host.chats()], MAX_SYNC_TRADES);
      // A user watching more trades than one request takes is polled, not held, chunk by chunk.
      const wait = chunks.length === 1 ? options.wait : 0;
      for (const chunk of chunks) {
        const listed = new Map(chunk);
        const answer = await this.host.api.sync(
          {
            trades: chunk.map(([tradeId, sync]) => {
              const reads = this.host.reads(tradeId);
              return { tradeId, afterSeq: sync.feed.cursor, ...(reads ? { reads } : {}) };
            }),
            notificationsAfterSeq: backlog ? 0 : this.host.notificationsAfter(),
            ...(this.#tradesCursor === undefined ? {} : { tradesAfter: this.#tradesCursor }),
            wait,
            ...(options.fresh ? { fresh: true } : {}),
          },
          options.signal,
        );
        news = this.#apply(answer, listed, backlog, tradesBacklog) || news;
        backlog = false;
        more ||= answer.more;
      }
    }
    return news;
  }

  #apply(answer: SyncResponse, listed: ReadonlyMap<string, ChatSync>, backlog: boolean, tradesBacklog: boolean): boolean {
    let news = answer.notifications.length > 0 || (!tradesBacklog && answer.trades.length > 0);
    this.host.onAdvice(answer.pollIntervalMs);
    for (const [tradeId, page] of Object.entries(answer.chat ?? {})) {
      const sync = listed.get(tradeId);
      if (!sync) continue;
      news ||= page.length > 0;
      // Complete only up to its last message: a server answering from its head cache does not
      // know yet of commits whose events are on their way, so a message this client already
      // holds (its own send, a push) does not vouch for the seqs below it. Those gaps are the
      // chat route's to fill (ChatSync), which reads the database.
      sync.apply(page, page.at(-1)?.seq ?? 0);
    }
    for (const [tradeId, reads] of Object.entries(answer.reads ?? {})) if (listed.has(tradeId)) this.host.onReads(tradeId, reads);
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
