import { badRequest } from '../domain/errors.js';
import { isUuid } from '../contract/ids.js';
import { MAX_SYNC_TRADES, MAX_SYNC_WAIT_SECONDS } from '../contract/sync.js';
import type { SyncRequest } from '../sync/sync-service.js';
import { decodeTradesCursor } from '../sync/trades-cursor.js';

const SEQ_RE = /^(0|[1-9]\d{0,9})$/;
const MAX_SEQ = 2_147_483_647;
const PARAMS = ['trades', 'notificationsAfterSeq', 'tradesAfter', 'wait', 'fresh'] as const;

/** The sync route's query string (without `?`); a DomainError `bad_request` names what is wrong. */
export function parseSyncQuery(search: string): SyncRequest {
  const params = new URLSearchParams(search);
  for (const name of PARAMS) if (params.getAll(name).length > 1) throw badRequest(`${name}: given more than once`);

  const trades: SyncRequest['trades'][number][] = [];
  const listed = params.get('trades');
  if (listed) {
    const entries = listed.split(',');
    if (entries.length > MAX_SYNC_TRADES) throw badRequest(`trades: at most ${MAX_SYNC_TRADES} entries`);
    const seen = new Set<string>();
    for (const entry of entries) {
      const [rawId = '', rawSeq, ...rawReads] = entry.split(':');
      // Ids fold to lower case, as on every trade route: events and destinations use that spelling.
      const tradeId = rawId.toLowerCase();
      if (!isUuid(tradeId) || rawSeq === undefined || (rawReads.length !== 0 && rawReads.length !== 2)) {
        throw badRequest(`trades: "${entry.slice(0, 80)}" is not <tradeId>:<afterSeq> or <tradeId>:<afterSeq>:<readSeq>:<peerReadSeq>`);
      }
      if (seen.has(tradeId)) throw badRequest(`trades: ${tradeId} is listed twice`);
      seen.add(tradeId);
      const [readSeq, peerReadSeq] = rawReads.map((raw) => seq('trades', raw));
      trades.push([tradeId, seq('trades', rawSeq), readSeq === undefined ? undefined : { readSeq, peerReadSeq: peerReadSeq! }]);
    }
  }
  const rawNotifications = params.get('notificationsAfterSeq');
  const rawCursor = params.get('tradesAfter');
  const tradesAfter = rawCursor === null ? 0 : decodeTradesCursor(rawCursor);
  if (tradesAfter === undefined) throw badRequest('tradesAfter: not a cursor this server handed out (pass back tradesCursor)');
  const rawWait = params.get('wait');
  const wait = rawWait === null ? 0 : Number(rawWait);
  if (rawWait !== null && (!/^\d{1,2}$/.test(rawWait) || wait > MAX_SYNC_WAIT_SECONDS)) {
    throw badRequest(`wait: must be whole seconds from 0 to ${MAX_SYNC_WAIT_SECONDS}`);
  }
  const rawFresh = params.get('fresh');
  if (rawFresh !== null && rawFresh !== '0' && rawFresh !== '1') throw badRequest('fresh: must be 1 or 0');
  return {
    trades,
    notificationsAfterSeq: rawNotifications === null ? 0 : seq('notificationsAfterSeq', rawNotifications),
    tradesAfter,
    waitMs: wait * 1000,
    fresh: rawFresh === '1',
  };
}

function seq(name: string, raw: string): number {
  const value = Number(raw);
  if (!SEQ_RE.test(raw) || value > MAX_SEQ) throw badRequest(`${name}: "${raw.slice(0, 20)}" is not a seq (a whole number from 0 to ${MAX_SEQ})`);
  return value;
}
