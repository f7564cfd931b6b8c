import assert from 'node:assert/strict';
import { readChat, readNotifications, readReceipts, readTradeFeed } from '../../src/sync/sync-reads.js';
import { prepared } from '../../src/persistence/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

// One pooled connection, so this view shows what the statements before it prepared.
const PREPARED = 'SELECT name, statement FROM pg_prepared_statements';

describe('prepared statements [postgres]', () => {
  let handle: TestDatabase;
  before(async () => {
    handle = await createTestDatabase('postgres', { poolSize: 1, readConcurrency: 1, readWaitMs: 1_000 });
  });
  after(() => handle.dispose());

  const onConnection = () => handle.db.query<{ name: string; statement: string }>(PREPARED);

  it('prepares a statement once on its connection and runs it again by name', async () => {
    const statement = prepared('test_echo', 'SELECT $1::int + 1 AS "n"');
    assert.deepEqual(await handle.db.query(statement, [1]), [{ n: 2 }]);
    assert.deepEqual(await handle.db.query(statement, [41]), [{ n: 42 }]);
    const found = (await onConnection()).filter((p) => p.name === 'test_echo');
    assert.deepEqual(
      found.map((p) => p.statement),
      [statement.text],
    );
  });

  it("prepares the sync's four reads", async () => {
    await readChat(handle.db, [{ tradeId: '00000000-0000-4000-8000-000000000000', afterSeq: 0, role: 'BUYER' }], 10);
    await readNotifications(handle.db, 'someone', 0, 10);
    await readTradeFeed(handle.db, 'someone', 0, 10);
    await readReceipts(handle.db, ['00000000-0000-4000-8000-000000000000']);
    const names = new Set((await onConnection()).map((p) => p.name));
    for (const name of ['sync_chat', 'sync_notifications', 'sync_trade_feed', 'sync_receipts']) assert.ok(names.has(name), name);
  });

  it('refuses a second statement under a name already declared', () => {
    prepared('test_twice', 'SELECT 1');
    assert.throws(() => prepared('test_twice', 'SELECT 2'), /declared twice/);
  });
});
