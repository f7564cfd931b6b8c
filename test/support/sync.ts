import { syncQueryString, type SyncQuery } from '../../src/contract/sync.js';

/** A sync query as the tests write it: each trade id with its cursor. */
export type SyncCursors = Omit<SyncQuery, 'trades'> & { trades: Record<string, number> };

/** The request path of a sync, under `prefix` (`/p2p` or `/api/p2p`). */
export function syncPath(query: SyncCursors, prefix = '/p2p'): string {
  const trades = Object.entries(query.trades).map(([tradeId, afterSeq]) => ({ tradeId, afterSeq }));
  return `${prefix}/sync?${syncQueryString({ ...query, trades })}`;
}
