import pg from 'pg';
import { migrate } from '../../src/persistence/migrator.js';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { createScratchPostgres } from '../../test/support/databases.js';

/** A scratch PostgreSQL database for the api and gateway processes, dropped at the end. */
export interface BenchDatabase {
  url: string;
  /** Gives a trade without messages a history of `count`, as `count` sends would have. */
  seedChat(tradeId: string, count: number): Promise<void>;
  /**
   * Opens trades `<prefix>-buyer-<i>` with `<prefix>-seller-<i>` for i < `pairs`, each the first in
   * both parties' trade feeds, as TradeService.open would leave them (without the events).
   */
  seedTrades(prefix: string, pairs: number): Promise<{ id: string; buyerId: string; sellerId: string }[]>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const { url, drop } = await createScratchPostgres('p2p_bench');
  const db = await openPostgresDatabase({ url });
  await migrate(db);
  await db.close();

  return {
    url,
    // One INSERT ... SELECT instead of 10,000 REST sends (minutes of outbox traffic): the rows are
    // what ChatService writes (seq 1..n without gaps, strictly increasing millisecond timestamps,
    // a chain entry each).
    seedChat: (tradeId, count) =>
      withClient(url, async (c) => {
        await c.query('BEGIN');
        const inserted = await c.query(
          `INSERT INTO trade_chat_messages (id, trade_id, seq, sender_id, sender_role, message, recipient_role, is_system_message, timestamp)
           SELECT gen_random_uuid(), t.id, s, CASE WHEN s % 2 = 0 THEN t.buyer_id ELSE t.seller_id END,
                  (CASE WHEN s % 2 = 0 THEN 'BUYER' ELSE 'SELLER' END)::"ChatSenderRole",
                  'Chào bạn, message ' || s || ' of the seeded history 👋', NULL, false,
                  date_trunc('milliseconds', now()) - interval '1 hour' + s * interval '1 millisecond'
           FROM trades t, generate_series(1, $2::int) s WHERE t.id = $1 AND t.chat_seq = 0`,
          [tradeId, count],
        );
        if (inserted.rowCount !== count) throw new Error(`trade ${tradeId} is missing or already has messages`);
        // Each message's transcript entry, after the trade's own, as every read joins it: stand-in
        // digests, hashes and signatures of the real sizes (nothing in a bench verifies them).
        await c.query(
          `INSERT INTO trade_chain_entries (trade_id, chain_seq, kind, chat_id, digest, hash, signature, kid)
           SELECT m.trade_id, t.chain_seq + m.seq, 'chat', m.id, sha256(convert_to('digest ' || m.id, 'UTF8')),
                  sha256(convert_to('hash ' || m.id, 'UTF8')), sha512(convert_to('signature ' || m.id, 'UTF8')), 'bench-seed'
           FROM trade_chat_messages m JOIN trades t ON t.id = m.trade_id WHERE m.trade_id = $1`,
          [tradeId],
        );
        await c.query(
          `UPDATE trades SET chat_seq = $2, chain_seq = chain_seq + $2,
                  chain_hash = (SELECT hash FROM trade_chain_entries WHERE trade_id = $1 ORDER BY chain_seq DESC LIMIT 1),
                  last_chat_at = (SELECT max(timestamp) FROM trade_chat_messages WHERE trade_id = $1) WHERE id = $1`,
          [tradeId, count],
        );
        await c.query('COMMIT');
        await c.query('ANALYZE trade_chat_messages');
        await c.query('ANALYZE trade_chain_entries');
      }),
    seedTrades: (prefix, pairs) =>
      withClient(url, async (c) => {
        await c.query('BEGIN');
        const { rows } = await c.query<{ id: string; buyerId: string; sellerId: string }>(
          `INSERT INTO trades (id, buyer_id, seller_id, amount, asset, fiat, updated_at, buyer_feed_seq, seller_feed_seq)
           SELECT gen_random_uuid(), $1 || '-buyer-' || i, $1 || '-seller-' || i, 100, 'USDT', 'VND', now(), 1, 1
           FROM generate_series(0, $2::int - 1) i
           RETURNING id::text AS "id", buyer_id AS "buyerId", seller_id AS "sellerId"`,
          [prefix, pairs],
        );
        await c.query(
          `INSERT INTO trade_feed_counters (user_id, last_seq)
           SELECT u, 1 FROM unnest($1::text[]) u`,
          [rows.flatMap((r) => [r.buyerId, r.sellerId])],
        );
        await c.query('COMMIT');
        return rows;
      }),
    drop,
  };
}
