// The sync contract (docs/sync.md): one request per user per interval carries every trade's chat,
// the user's notifications and the user's trades. Shared by the server and the browser client:
// no dependencies beyond the other contract modules.
import type { ChatMessage, Notification, Trade } from './shapes.js';

/** `GET` on both; the second is the plan's client's prefix. */
export const SYNC_PATHS = ['/p2p/sync', '/api/p2p/sync'] as const;

export const MAX_SYNC_TRADES = 100;
export const MAX_SYNC_WAIT_SECONDS = 30;
/** Chat messages per trade in one answer (as the chat route's page); beyond, `more` is true. */
export const SYNC_CHAT_PAGE = 1000;
export const SYNC_NOTIFICATION_PAGE = 1000;
export const SYNC_TRADE_PAGE = 100;

export interface SyncQuery {
  /** tradeId -> the last chat seq the caller has (0: none). */
  trades: Record<string, number>;
  notificationsAfterSeq?: number;
  /** The `tradesCursor` of the previous answer; omitted: all of the caller's trades. */
  tradesAfter?: string;
  /** Long poll: hold the answer up to this many seconds until something arrives. */
  wait?: number;
}

export type SyncTradeError = 'forbidden' | 'not_found';

export interface SyncResponse {
  /** One key per listed, readable trade; [] when nothing is new. */
  chat: Record<string, ChatMessage[]>;
  notifications: Notification[];
  /** The caller's trades opened or changed past `tradesAfter`, in the order they changed. */
  trades: Trade[];
  /** Opaque: pass it back as `tradesAfter`. */
  tradesCursor: string;
  /** A list hit its page limit: sync again at once. */
  more: boolean;
  /** `forbidden`: not the caller's trade; `not_found`: no such trade. The rest is still answered. */
  errors: Record<string, { error: SyncTradeError }>;
  /** The server's advice for the next plain poll. */
  pollIntervalMs: number;
}

/** The query string for `query` (without the `?`), in the contract's syntax. */
export function syncQueryString(query: SyncQuery): string {
  const params = new URLSearchParams();
  const trades = Object.entries(query.trades).map(([id, seq]) => `${id}:${seq}`);
  if (trades.length > 0) params.set('trades', trades.join(','));
  if (query.notificationsAfterSeq !== undefined) params.set('notificationsAfterSeq', String(query.notificationsAfterSeq));
  if (query.tradesAfter !== undefined) params.set('tradesAfter', query.tradesAfter);
  if (query.wait !== undefined) params.set('wait', String(query.wait));
  return params.toString();
}
