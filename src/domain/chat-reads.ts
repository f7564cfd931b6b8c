import { randomUUID } from 'node:crypto';
import type { Database } from '../persistence/database.js';
import type { Outbox } from '../messaging/outbox.js';
import type { Actor } from '../auth/actor.js';
import { readReceiptEvent } from '../events/events.js';
import { roleOf } from '../contract/trade-transitions.js';
import type { ReadState, Trade, TradeReads, TradeView } from '../contract/shapes.js';
import { badRequest, forbidden } from './errors.js';
import type { TradeService } from './trade-service.js';

// Per listed trade, in one statement: the caller's read seq, the peer's, and the messages the
// caller can see (their side's and both sides'), not their own, past their read seq.
const READS_SQL = `
  SELECT q.trade_id::text AS "tradeId", coalesce(mine.seq, 0) AS "readSeq", coalesce(peer.seq, 0) AS "peerReadSeq",
         (SELECT count(*)::int FROM trade_chat_messages c
          WHERE c.trade_id = q.trade_id AND c.seq > coalesce(mine.seq, 0)
            AND (c.recipient_role IS NULL OR c.recipient_role::text = q.role)
            AND c.sender_id IS DISTINCT FROM $4) AS "unread"
  FROM unnest($1::uuid[], $2::text[], $3::text[]) AS q(trade_id, role, peer_id)
  LEFT JOIN trade_chat_reads mine ON mine.trade_id = q.trade_id AND mine.user_id = $4
  LEFT JOIN trade_chat_reads peer ON peer.trade_id = q.trade_id AND peer.user_id = q.peer_id`;

const NOT_A_PARTY: TradeReads = { readSeq: null, unread: null, peerReadSeq: null };

/**
 * Read receipts: each party's last-read chat seq, which only moves forwards, and what follows
 * from it (unread counts, the other party's ticks).
 */
export class ChatReadService {
  constructor(
    private readonly db: Database,
    private readonly trades: TradeService,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Stores `seq` as the caller's last-read seq unless a higher one is stored, and answers the
   * stored state either way: a late or repeated receipt (another device, a retry) is not an
   * error. Only a move publishes a ReadReceiptEvent. The head is checked in the same transaction;
   * it only grows, so a seq at or below it stays valid.
   */
  async markRead(actor: Actor, tradeId: string, seq: number): Promise<ReadState> {
    if (!roleOf(await this.trades.participants(tradeId), actor.userId)) throw forbidden('only the buyer and the seller have read receipts in this chat');
    return this.outbox.transaction(async (tx, stage) => {
      const [trade] = await tx.$queryRaw<{ head: number }[]>`SELECT chat_seq AS head FROM trades WHERE id = ${tradeId}::uuid`;
      if (!trade || seq > trade.head) throw badRequest(`seq ${seq} is past the chat's last message (seq ${trade?.head ?? 0})`);
      const [moved] = await tx.$queryRaw<{ seq: number; readAt: Date }[]>`
        INSERT INTO trade_chat_reads (trade_id, user_id, seq, read_at)
        VALUES (${tradeId}::uuid, ${actor.userId}, ${seq}, date_trunc('milliseconds', clock_timestamp()))
        ON CONFLICT (trade_id, user_id) DO UPDATE SET seq = EXCLUDED.seq, read_at = EXCLUDED.read_at
        WHERE trade_chat_reads.seq < EXCLUDED.seq
        RETURNING seq, read_at AS "readAt"`;
      if (moved) {
        const state = { tradeId, userId: actor.userId, seq: moved.seq, at: moved.readAt.toISOString() };
        stage(readReceiptEvent({ eventId: randomUUID(), ...state }));
        return state;
      }
      const [stored] = await tx.$queryRaw<{ seq: number; readAt: Date }[]>`
        SELECT seq, read_at AS "readAt" FROM trade_chat_reads WHERE trade_id = ${tradeId}::uuid AND user_id = ${actor.userId}`;
      return { tradeId, userId: actor.userId, seq: stored!.seq, at: stored!.readAt.toISOString() };
    });
  }

  /** The trades with the caller's read state; null fields where the caller is not a party (an admin). */
  async withReads(actor: Actor, trades: Trade[]): Promise<TradeView[]> {
    const mine = trades.filter((t) => roleOf(t, actor.userId));
    const found = new Map<string, TradeReads>();
    if (mine.length > 0) {
      const rows = await this.db.reads.run(() =>
        this.db.query<TradeReads & { tradeId: string }>(READS_SQL, [
          mine.map((t) => t.id),
          mine.map((t) => roleOf(t, actor.userId)),
          mine.map((t) => (t.buyerId === actor.userId ? t.sellerId : t.buyerId)),
          actor.userId,
        ]),
      );
      for (const { tradeId, ...reads } of rows) found.set(tradeId, reads);
    }
    return trades.map((t) => ({ ...t, ...(found.get(t.id) ?? NOT_A_PARTY) }));
  }
}
