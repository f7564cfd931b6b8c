import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MIGRATIONS_DIR } from '../../src/persistence/migrator.js';
import { openEmbeddedDatabase } from '../../src/persistence/embedded-database.js';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { createScratchPostgres, UNMIGRATED_DATABASES } from '../support/databases.js';

for (const [name, open] of UNMIGRATED_DATABASES) {
  describe(`migrator [${name}]`, () => {
    let handle: Awaited<ReturnType<typeof open>>;
    let dir: string;
    beforeEach(async () => {
      handle = await open();
      dir = await mkdtemp(join(tmpdir(), 'migrations-'));
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
    });
    afterEach(async () => {
      await handle.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('applies every migration once and records it as prisma migrate deploy does', async () => {
      const applied = await migrate(handle.db, dir);
      assert.ok(applied.length >= 1);
      assert.deepEqual(await migrate(handle.db, dir), [], 'a second run applies nothing');
      const rows = await handle.db.inSqlTransaction((s) =>
        s.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
          'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
        ),
      );
      assert.deepEqual(
        rows.map((r) => r.migration_name),
        applied,
      );
      assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.finished_at && r.applied_steps_count === 1));
      // The schema is usable through Prisma.
      await handle.db.prisma.trade.create({ data: { buyerId: 'a', sellerId: 'b', amount: '1', asset: 'USDT', fiat: 'VND' } });
    });

    it('numbers the notifications stored before notifications had a seq, per user in creation order', async () => {
      const initOnly = await mkdtemp(join(tmpdir(), 'migrations-'));
      try {
        await cp(join(dir, '20261129000000_init'), join(initOnly, '20261129000000_init'), { recursive: true });
        await migrate(handle.db, initOnly);
        await handle.db.inSqlTransaction((s) =>
          s.exec(`INSERT INTO notifications (id, user_id, type, message, created_at) VALUES
            ('00000000-0000-4000-8000-000000000003', 'ann', 'T', 'third', '2026-11-29T10:00:03Z'),
            ('00000000-0000-4000-8000-000000000001', 'ann', 'T', 'first', '2026-11-29T10:00:01Z'),
            ('00000000-0000-4000-8000-000000000002', 'ann', 'T', 'second', '2026-11-29T10:00:02Z'),
            ('00000000-0000-4000-8000-000000000004', 'bob', 'T', 'only', '2026-11-29T10:00:00Z')`),
        );
      } finally {
        await rm(initOnly, { recursive: true, force: true });
      }
      assert.ok((await migrate(handle.db, dir)).includes('20261129120000_notification_seq'));
      const rows = await handle.db.prisma.notification.findMany({ orderBy: [{ userId: 'asc' }, { seq: 'asc' }] });
      assert.deepEqual(
        rows.map((r) => [r.userId, r.seq, r.message]),
        [
          ['ann', 1, 'first'],
          ['ann', 2, 'second'],
          ['ann', 3, 'third'],
          ['bob', 1, 'only'],
        ],
      );
      const counters = await handle.db.prisma.notificationCounter.findMany({ orderBy: { userId: 'asc' } });
      assert.deepEqual(
        counters.map((c) => [c.userId, c.lastSeq]),
        [
          ['ann', 3],
          ['bob', 1],
        ],
      );
    });

    it("places the trades stored before the trade feed in each party's feed, per user in order of change", async () => {
      const before = await mkdtemp(join(tmpdir(), 'migrations-'));
      try {
        for (const name of ['20261129000000_init', '20261129120000_notification_seq']) {
          await cp(join(dir, name), join(before, name), { recursive: true });
        }
        await migrate(handle.db, before);
        await handle.db.inSqlTransaction((s) =>
          s.exec(`INSERT INTO trades (id, buyer_id, seller_id, amount, asset, fiat, updated_at) VALUES
            ('00000000-0000-4000-8000-000000000002', 'ann', 'bob', 1, 'USDT', 'VND', '2026-11-29T10:00:02Z'),
            ('00000000-0000-4000-8000-000000000001', 'bob', 'ann', 1, 'USDT', 'VND', '2026-11-29T10:00:01Z'),
            ('00000000-0000-4000-8000-000000000003', 'cid', 'ann', 1, 'USDT', 'VND', '2026-11-29T10:00:03Z')`),
        );
      } finally {
        await rm(before, { recursive: true, force: true });
      }
      assert.ok((await migrate(handle.db, dir)).includes('20261130120000_trade_feed'));
      const trades = await handle.db.prisma.trade.findMany({ orderBy: { id: 'asc' } });
      assert.deepEqual(
        trades.map((t) => [t.buyerFeedSeq, t.sellerFeedSeq]),
        [
          [1, 1],
          [2, 2],
          [1, 3],
        ],
      );
      const counters = await handle.db.prisma.tradeFeedCounter.findMany({ orderBy: { userId: 'asc' } });
      assert.deepEqual(
        counters.map((c) => [c.userId, c.lastSeq]),
        [
          ['ann', 3],
          ['bob', 2],
          ['cid', 1],
        ],
      );
    });

    it("gives the chat messages stored before sender roles their sender's side, and system messages none", async () => {
      const before = await mkdtemp(join(tmpdir(), 'migrations-'));
      try {
        for (const name of (await readdir(dir)).filter((n) => n < '20261201100000_chat_sender_role' && !n.endsWith('.toml'))) {
          await cp(join(dir, name), join(before, name), { recursive: true });
        }
        await migrate(handle.db, before);
        await handle.db.inSqlTransaction((s) =>
          s.exec(`INSERT INTO trades (id, buyer_id, seller_id, amount, asset, fiat, updated_at, chat_seq) VALUES
              ('00000000-0000-4000-8000-000000000001', 'ann', 'bob', 1, 'USDT', 'VND', '2026-11-29T10:00:00Z', 3);
            INSERT INTO trade_chat_messages (id, trade_id, seq, sender_id, message, recipient_role, is_system_message, timestamp) VALUES
              ('00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-000000000001', 1, 'ann', 'hi', NULL, false, '2026-11-29T10:00:01Z'),
              ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-000000000001', 2, NULL, 'paid', 'SELLER', true, '2026-11-29T10:00:02Z'),
              ('00000000-0000-4000-8000-00000000000c', '00000000-0000-4000-8000-000000000001', 3, 'bob', 'ok', NULL, false, '2026-11-29T10:00:03Z')`),
        );
      } finally {
        await rm(before, { recursive: true, force: true });
      }
      assert.ok((await migrate(handle.db, dir)).includes('20261201100000_chat_sender_role'));
      const rows = await handle.db.prisma.tradeChat.findMany({ orderBy: { seq: 'asc' } });
      assert.deepEqual(
        rows.map((r) => [r.seq, r.senderRole]),
        [
          [1, 'BUYER'],
          [2, null],
          [3, 'SELLER'],
        ],
      );
    });

    it('dates the trades that were DISPUTED before disputes were dated at their last change, and no others', async () => {
      const before = await mkdtemp(join(tmpdir(), 'migrations-'));
      try {
        for (const name of (await readdir(dir)).filter((n) => n < '20261201110000_dispute_audit' && !n.endsWith('.toml'))) {
          await cp(join(dir, name), join(before, name), { recursive: true });
        }
        await migrate(handle.db, before);
        await handle.db.inSqlTransaction((s) =>
          s.exec(`INSERT INTO trades (id, buyer_id, seller_id, amount, asset, fiat, status, updated_at) VALUES
              ('00000000-0000-4000-8000-000000000001', 'ann', 'bob', 1, 'USDT', 'VND', 'DISPUTED', '2026-11-29T10:00:01Z'),
              ('00000000-0000-4000-8000-000000000002', 'ann', 'bob', 1, 'USDT', 'VND', 'PAID', '2026-11-29T10:00:02Z')`),
        );
      } finally {
        await rm(before, { recursive: true, force: true });
      }
      assert.ok((await migrate(handle.db, dir)).includes('20261201110000_dispute_audit'));
      const trades = await handle.db.prisma.trade.findMany({ orderBy: { id: 'asc' } });
      assert.deepEqual(
        trades.map((t) => t.disputedAt?.toISOString() ?? null),
        ['2026-11-29T10:00:01.000Z', null],
      );
    });

    it('refuses to run when an applied migration was edited', async () => {
      const [first] = await migrate(handle.db, dir);
      await writeFile(join(dir, first!, 'migration.sql'), '-- edited\n', { flag: 'a' });
      await assert.rejects(migrate(handle.db, dir), /edited after it was applied/);
    });

    it('applies nothing of a failing batch (all or nothing)', async () => {
      await migrate(handle.db, dir);
      await cp(join(dir, '20261129000000_init'), join(dir, '29990101000000_ok'), { recursive: true });
      await writeFile(join(dir, '29990101000000_ok', 'migration.sql'), 'CREATE TABLE extra_ok (id int);');
      await cp(join(dir, '29990101000000_ok'), join(dir, '29990102000000_bad'), { recursive: true });
      await writeFile(join(dir, '29990102000000_bad', 'migration.sql'), 'CREATE TABLE extra_bad (id int); SELECT * FROM no_such_table;');
      await assert.rejects(migrate(handle.db, dir));
      const tables = await handle.db.inSqlTransaction((s) =>
        s.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('extra_ok', 'extra_bad')"),
      );
      assert.equal(tables[0]!.n, 0);
    });
  });
}

describe('migrator in several processes at once', () => {
  it('applies each migration once when two start together (advisory lock)', async () => {
    const scratch = await createScratchPostgres();
    const [a, b] = await Promise.all([1, 2].map(() => openPostgresDatabase({ url: scratch.url })));
    try {
      const results = await Promise.all([migrate(a!), migrate(b!)]);
      const all = (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).length;
      assert.deepEqual(results.map((r) => r.length).sort(), [0, all]);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
      await scratch.drop();
    }
  });
});

describe('embedded database on disk', () => {
  it('keeps data between runs in its data folder', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pglite-'));
    try {
      const first = await openEmbeddedDatabase(dataDir);
      await migrate(first);
      await first.prisma.trade.create({ data: { buyerId: 'a', sellerId: 'b', amount: '1', asset: 'USDT', fiat: 'VND' } });
      await first.close();
      const second = await openEmbeddedDatabase(dataDir);
      assert.deepEqual(await migrate(second), []);
      assert.equal(await second.prisma.trade.count(), 1);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
