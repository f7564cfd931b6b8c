// The sync contract (docs/sync.md): one request per user per interval carries every trade's chat,
// the user's notifications and the user's trades. The query side, dependency-free (the browser
// bundles it); the answer's shape is `syncResponseSchema` in shapes.ts.

/** `GET` on both; the second is the plan's client's prefix. */
export const SYNC_PATHS = ['/p2p/sync', '/api/p2p/sync'] as const;

export const MAX_SYNC_TRADES = 100;
export const MAX_SYNC_WAIT_SECONDS = 30;
/** Chat messages per trade in one answer (as the chat route's page); beyond, `more` is true. */
export const SYNC_CHAT_PAGE = 1000;
export const SYNC_NOTIFICATION_PAGE = 1000;
export const SYNC_TRADE_PAGE = 100;

/** The read state of a trade as the sync answer gives it (`reads`), and as a client may send back. */
export interface SyncTradeReads {
  /** The caller's last-read chat seq (0: none). */
  readSeq: number;
  /** The other party's last-read chat seq (0: none). */
  peerReadSeq: number;
}

/** One sync request's cursors. */
export interface SyncQuery {
  /**
   * Each trade with the last chat seq the caller has (0: none) and, optionally, the read state it
   * holds: a long poll then also answers as soon as either read seq is past it.
   */
  trades: readonly { tradeId: string; afterSeq: number; reads?: SyncTradeReads }[];
  /** The last notification seq the caller has; default 0. */
  notificationsAfterSeq?: number;
  /** The `tradesCursor` of the previous answer; omitted: all of the caller's trades. */
  tradesAfter?: string;
  /** Long poll: hold the answer up to this many seconds (0..30) until something arrives. */
  wait?: number;
  /**
   * Read every cursor from the database, not from the api's memory of heads. For the catch-up
   * right after a socket's subscriptions are confirmed: memory hears of a commit by an event,
   * which may reach the api after it reached the gateway, before the subscription was there to
   * take it; the database has the commit either way (docs/sync.md).
   */
  fresh?: boolean;
}

/** Why a listed trade got no chat: not the caller's, or no such trade. */
export const SYNC_TRADE_ERRORS = ['forbidden', 'not_found'] as const;
export type SyncTradeError = (typeof SYNC_TRADE_ERRORS)[number];

/** The query string for `query` (without the `?`), in the contract's syntax. */
export function syncQueryString(query: SyncQuery): string {
  const params = new URLSearchParams();
  const trades = query.trades.map((t) => `${t.tradeId}:${t.afterSeq}${t.reads ? `:${t.reads.readSeq}:${t.reads.peerReadSeq}` : ''}`);
  if (trades.length > 0) params.set('trades', trades.join(','));
  if (query.notificationsAfterSeq !== undefined) params.set('notificationsAfterSeq', String(query.notificationsAfterSeq));
  if (query.tradesAfter !== undefined) params.set('tradesAfter', query.tradesAfter);
  if (query.wait) params.set('wait', String(query.wait));
  if (query.fresh) params.set('fresh', '1');
  return params.toString();
}
