import { Prisma } from '../generated/prisma/client.js';
import { prepared, type Database } from '../persistence/database.js';
import type { SenderRole } from '../contract/trade-status.js';
import type { ChatMessage, Notification, Trade } from '../contract/shapes.js';
import { CHAIN_LINK_JOIN, toChatMessage, type ChatRow } from '../domain/chat-log.js';
import { toNotification } from '../domain/notification-service.js';
import { toTrade } from '../domain/trade-service.js';

// The sync route's reads, in raw SQL on the driver: Prisma's per-query cost is most of a poll's.
// Each is one prepared statement (one snapshot) returning the page plus the head it was read
// against, and asks for one row more than a page to know whether there is more.

export interface ChatRead {
  tradeId: string;
  afterSeq: number;
  /** The reader's side; a MEDIATOR reads both sides' system messages. */
  role: SenderRole;
}

export interface Page<T> {
  items: T[];
  /** Items beyond the page exist. */
  more: boolean;
  /** The feed's last position at the read's snapshot. */
  head: number;
}

/** Exported for the benchmark's plain `pg` baseline, which runs the very same statement. */
// Each message with its transcript link, as the chat route reads them (toChatMessage).
export const CHAT_STATEMENT = prepared(
  'sync_chat',
  `
  SELECT q.trade_id::text AS "qTradeId", t.chat_seq AS "head", m.id::text AS "id", m.seq, m.sender_id AS "senderId",
         m.sender_role::text AS "senderRole", m.message, m.recipient_role::text AS "recipientRole", m.is_system_message AS "isSystemMessage", m.timestamp,
         e.chain_seq AS "chainSeq", encode(e.hash, 'hex') AS "hash"
  FROM unnest($1::uuid[], $2::int[], $3::text[]) WITH ORDINALITY AS q(trade_id, after_seq, role, ord)
  JOIN trades t ON t.id = q.trade_id
  LEFT JOIN LATERAL (
    SELECT * FROM trade_chat_messages c
    WHERE c.trade_id = q.trade_id AND c.seq > q.after_seq
      AND (c.recipient_role IS NULL OR c.recipient_role::text = q.role OR q.role = 'MEDIATOR')
    ORDER BY c.seq LIMIT $4) m ON true
  ${CHAIN_LINK_JOIN}
  ORDER BY q.ord, m.seq`,
);

/** A trade's row: the head, and a message of its page unless it has none (`id` null). */
type PageRow = Omit<ChatRow, 'id' | 'tradeId'> & { qTradeId: string; head: number; id: string | null };

/** Each trade's messages visible to its side past its cursor, in seq order. */
export async function readChat(db: Database, reads: ChatRead[], page: number): Promise<Map<string, Page<ChatMessage>>> {
  const rows = await db.query<PageRow>(CHAT_STATEMENT, [reads.map((r) => r.tradeId), reads.map((r) => r.afterSeq), reads.map((r) => r.role), page + 1]);
  const pages = new Map<string, Page<ChatMessage>>();
  for (const row of rows) {
    let found = pages.get(row.qTradeId);
    if (!found) pages.set(row.qTradeId, (found = { items: [], more: false, head: row.head }));
    if (row.id === null) continue;
    if (found.items.length === page) found.more = true;
    else found.items.push(toChatMessage({ ...row, id: row.id, tradeId: row.qTradeId }));
  }
  return pages;
}

const NOTIFICATIONS = prepared(
  'sync_notifications',
  `
  SELECT coalesce(h.last_seq, 0) AS "head", n.id::text AS "id", n.user_id AS "userId", n.seq, n.type, n.message,
         n.read, n.read_at AS "readAt", n.created_at AS "createdAt"
  FROM (SELECT $1::text AS user_id) u
  LEFT JOIN notification_counters h ON h.user_id = u.user_id
  LEFT JOIN LATERAL (
    SELECT * FROM notifications x WHERE x.user_id = u.user_id AND x.seq > $2 ORDER BY x.seq LIMIT $3) n ON true
  ORDER BY n.seq`,
);

type NotificationRow = Omit<Notification, 'id' | 'createdAt' | 'readAt'> & { head: number; id: string | null; createdAt: Date; readAt: Date | null };

/** The user's notifications past the cursor, in seq order. */
export async function readNotifications(db: Database, userId: string, afterSeq: number, page: number): Promise<Page<Notification>> {
  const rows = await db.query<NotificationRow>(NOTIFICATIONS, [userId, afterSeq, page + 1]);
  const items = rows.filter((r) => r.id !== null).map((r) => toNotification({ ...r, id: r.id! }));
  return { items: items.slice(0, page), more: items.length > page, head: rows[0]?.head ?? 0 };
}

const TRADE_FEED = prepared(
  'sync_trade_feed',
  `
  SELECT coalesce(h.last_seq, 0) AS "head", t.id::text AS "id", t.buyer_id AS "buyerId", t.seller_id AS "sellerId",
         t.amount::text AS "amount", t.asset, t.fiat, t.status::text AS "status", t.created_at AS "createdAt",
         t.updated_at AS "updatedAt", t.feed_seq AS "feedSeq"
  FROM (SELECT $1::text AS user_id) u
  LEFT JOIN trade_feed_counters h ON h.user_id = u.user_id
  LEFT JOIN LATERAL (
    SELECT x.*, CASE WHEN x.buyer_id = u.user_id THEN x.buyer_feed_seq ELSE x.seller_feed_seq END AS feed_seq
    FROM trades x
    WHERE (x.buyer_id = u.user_id AND x.buyer_feed_seq > $2) OR (x.seller_id = u.user_id AND x.seller_feed_seq > $2)
    ORDER BY feed_seq LIMIT $3) t ON true
  ORDER BY t.feed_seq`,
);

type TradeRow = Omit<Trade, 'id' | 'amount' | 'createdAt' | 'updatedAt'> & {
  head: number;
  id: string | null;
  amount: string;
  createdAt: Date;
  updatedAt: Date;
  feedSeq: number;
};

/** The user's trades opened or changed past the feed position, in feed order; `last`: the last one's position. */
export async function readTradeFeed(db: Database, userId: string, after: number, page: number): Promise<Page<Trade> & { last: number }> {
  const rows = await db.query<TradeRow>(TRADE_FEED, [userId, after, page + 1]);
  const found = rows.filter((r) => r.id !== null).slice(0, page);
  return {
    // The same decimal spelling as every other route (Prisma's Decimal).
    items: found.map((r) => toTrade({ ...r, id: r.id!, amount: new Prisma.Decimal(r.amount) })),
    more: rows.filter((r) => r.id !== null).length > page,
    head: rows[0]?.head ?? 0,
    last: found.at(-1)?.feedSeq ?? after,
  };
}

const RECEIPTS = prepared(
  'sync_receipts',
  `SELECT trade_id::text AS "tradeId", user_id AS "userId", seq FROM trade_chat_reads WHERE trade_id = ANY($1::uuid[])`,
);

/** Every stored last-read seq of the trades; a party without a row has read nothing (0). */
export function readReceipts(db: Database, tradeIds: string[]): Promise<{ tradeId: string; userId: string; seq: number }[]> {
  return db.query(RECEIPTS, [tradeIds]);
}
