import assert from 'node:assert/strict';
import { readChat, readNotifications, readReceipts, readTradeFeed } from '../../src/sync/sync-reads.js';
import type { PreparedStatement } from '../../src/persistence/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

// pg's pool hands out the connection released last, so statements run one after another share
// one connection and this view shows what that connection has prepared.
const PREPARED = 'SELECT name, statement FROM pg_prepared_statements';

describe('prepared statements [postgres]', () => {
  let handle: TestDatabase;
  before(async () => {
    handle = await createTestDatabase('postgres', { poolSize: 2, readConcurrency: 1, readWaitMs: 1_000 });
  });
  after(() => handle.dispose());

  const prepared = () => handle.db.query<{ name: string; statement: string }>(PREPARED);

  it('prepares a PreparedStatement once on its connection and runs it again by name', async () => {
    const statement: PreparedStatement = { name: 'test_echo', text: 'SELECT $1::int + 1 AS "n"' };
    assert.deepEqual(await handle.db.query(statement, [1]), [{ n: 2 }]);
    assert.deepEqual(await handle.db.query(statement, [41]), [{ n: 42 }]);
    const found = (await prepared()).filter((p) => p.name === 'test_echo');
    assert.deepEqual(
      found.map((p) => p.statement),
      [statement.text],
    );
  });

  it('leaves a plain SQL text unprepared', async () => {
    await handle.db.query('SELECT 1 AS "unprepared_marker"');
    assert.ok((await prepared()).every((p) => !p.statement.includes('unprepared_marker')));
  });

  it("prepares the sync's four reads", async () => {
    await readChat(handle.db, [{ tradeId: '00000000-0000-4000-8000-000000000000', afterSeq: 0, role: 'BUYER' }], 10);
    await readNotifications(handle.db, 'someone', 0, 10);
    await readTradeFeed(handle.db, 'someone', 0, 10);
    await readReceipts(handle.db, ['00000000-0000-4000-8000-000000000000']);
    const names = new Set((await prepared()).map((p) => p.name));
    for (const name of ['sync_chat', 'sync_notifications', 'sync_trade_feed', 'sync_receipts']) assert.ok(names.has(name), name);
  });
});
