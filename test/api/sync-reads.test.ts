import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { queryCounter, quiet } from '../support/counting-database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { eventually, sleep } from '../support/eventually.js';
import { AMQP_URL, JWT_SECRET } from '../support/services.js';
import { syncPath, type SyncCursors } from '../support/sync.js';
import type { SyncResponse } from '../../src/contract/shapes.js';

for (const drivers of DRIVER_SETS) {
  describe(`read receipts in /p2p/sync [${drivers.name}]`, () => {
    let t: TestSystem;
    const { wrapDatabase, count } = queryCounter();
    before(async function () {
      this.timeout(60_000);
      t = await startTestSystem(drivers, {
        wrapDatabase,
        // No periodic outbox pass, so every query counted here is one a request made.
        relay: { pollIntervalMs: 3_600_000, retryDelayMs: 100 },
      });
    });
    after(() => t?.close());

    const sync = async (user: string, query: SyncCursors, path = syncPath(query)) =>
      (await t.http.get(path).set('Authorization', t.auth(user)).expect(200)).body as SyncResponse;
    const read = (tradeId: string, user: string, seq: number) =>
      t.http.post(`/p2p/trades/${tradeId}/read`).set('Authorization', t.auth(user)).send({ seq }).expect(200);
    const tradeWith = async (n: number) => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const id = await openTrade(t, buyer, seller);
      for (let i = 1; i <= n; i++)
        await t.http
          .post(`/p2p/trades/${id}/chat`)
          .set('Authorization', t.auth(buyer))
          .send({ message: `m${i}` })
          .expect(201);
      return { id, buyer, seller };
    };

    it('answers each listed trade’s read state for the caller, and none for a trade it may not read', async () => {
      const { id, buyer, seller } = await tradeWith(3);
      const other = await tradeWith(1);
      assert.deepEqual((await sync(seller, { trades: { [id]: 3 } })).reads, { [id]: { readSeq: 0, peerReadSeq: 0 } });
      await read(id, seller, 2);
      await read(id, buyer, 3);
      const mine = await sync(seller, { trades: { [id]: 3, [other.id]: 0 } });
      assert.deepEqual(mine.reads, { [id]: { readSeq: 2, peerReadSeq: 3 } });
      assert.deepEqual(mine.errors, { [other.id]: { error: 'forbidden' } });
      assert.deepEqual((await sync(buyer, { trades: { [id]: 3 } }, syncPath({ trades: { [id]: 3 } }, '/api/p2p'))).reads, {
        [id]: { readSeq: 3, peerReadSeq: 2 },
      });
    });

    it('answers read state from memory: an empty sync makes no query, also after a receipt', async function () {
      this.timeout(90_000);
      const { id, buyer, seller } = await tradeWith(3);
      const first = await sync(buyer, { trades: { [id]: 0 } });
      const current: SyncCursors = { trades: { [id]: 3 }, notificationsAfterSeq: first.notifications.at(-1)?.seq ?? 0, tradesAfter: first.tradesCursor };
      await eventually(async () => {
        await quiet(count);
        const before = count();
        const res = await sync(buyer, current);
        assert.equal(count() - before, 0, 'an empty sync made no query');
        assert.deepEqual(res.reads, { [id]: { readSeq: 0, peerReadSeq: 0 } });
      }, 30_000);
      // The buyer (who gets no notification of its own trade) follows; both parties read.
      await read(id, seller, 3);
      await read(id, buyer, 1);
      await eventually(async () => {
        await quiet(count);
        const before = count();
        const res = await sync(buyer, current);
        assert.equal(count() - before, 0, 'the receipts were answered from memory');
        assert.deepEqual(res.reads, { [id]: { readSeq: 1, peerReadSeq: 3 } });
      }, 30_000);
    });

    it('wakes a held long poll when the other party reads, and answers at once when the reads sent are behind', async function () {
      this.timeout(60_000);
      const { id, buyer, seller } = await tradeWith(2);
      const base = await sync(buyer, { trades: { [id]: 2 } });
      const cursors: SyncCursors = {
        trades: { [id]: 2 },
        notificationsAfterSeq: base.notifications.at(-1)?.seq ?? 0,
        tradesAfter: base.tradesCursor,
        wait: 20,
      };
      const started = Date.now();
      const held = sync(buyer, cursors);
      await sleep(500);
      await read(id, seller, 2);
      const woken = await held;
      assert.ok(Date.now() - started < 15_000, 'answered on the receipt, not at the end of the wait');
      assert.deepEqual(woken.reads, { [id]: { readSeq: 0, peerReadSeq: 2 } });
      assert.deepEqual(woken.chat, { [id]: [] });

      // The client says what it holds: behind the server, so there is news at once.
      const path = `/p2p/sync?trades=${id}:2:0:1&notificationsAfterSeq=${cursors.notificationsAfterSeq}&tradesAfter=${base.tradesCursor}&wait=20`;
      const at = Date.now();
      assert.deepEqual((await sync(buyer, cursors, path)).reads, { [id]: { readSeq: 0, peerReadSeq: 2 } });
      assert.ok(Date.now() - at < 15_000);
    });

    for (const entry of [':2:0', ':2:0:1:4', ':2:x:1', ':2:-1:0', ':2:0:']) {
      it(`refuses a trade entry <id>${entry} with 400`, async () => {
        const { id, buyer } = await tradeWith(2);
        const res = await t.http.get(`/p2p/sync?trades=${id}${entry}`).set('Authorization', t.auth(buyer)).expect(400);
        assert.equal(res.body.error, 'bad_request');
      });
    }
  });
}

// Receipts written through api A reach api B's cache over the broker, as chat does: B answers the
// new read state from memory. Needs a shared database and broker: the production pair only.
describe('read receipts in /p2p/sync across two api processes [postgres + rabbitmq]', function () {
  this.timeout(90_000);
  let database: TestDatabase;
  const amqp = uniqueAmqpNames();
  let a: TestSystem;
  let b: TestSystem;
  const counterB = queryCounter();
  const countB = counterB.count;
  before(async () => {
    database = await createTestDatabase('postgres');
    const env = { DATABASE_URL: database.url!, AMQP_URL, JWT_SECRET };
    const shared = { databaseUrl: database.url!, amqp };
    a = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' }, { role: 'api', env, shared });
    b = await startTestSystem(
      { db: 'postgres', bus: 'rabbitmq' },
      {
        role: 'api',
        env,
        shared,
        relay: { pollIntervalMs: 3_600_000, retryDelayMs: 100 },
        wrapDatabase: counterB.wrapDatabase,
      },
    );
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await database?.dispose();
    await deleteAmqpNames(amqp).catch(() => {});
  });

  it('a receipt through A is in B’s empty sync, from memory, and wakes a long poll held on B', async () => {
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const id = await openTrade(a, buyer, seller);
    for (const m of ['one', 'two']) await a.http.post(`/p2p/trades/${id}/chat`).set('Authorization', a.auth(buyer)).send({ message: m }).expect(201);
    const syncB = async (query: SyncCursors) => (await b.http.get(syncPath(query)).set('Authorization', b.auth(buyer)).expect(200)).body as SyncResponse;
    const first = await eventually(async () => {
      const res = await syncB({ trades: { [id]: 0 } });
      assert.equal(res.chat[id]!.length, 2);
      return res;
    });
    const current: SyncCursors = { trades: { [id]: 2 }, tradesAfter: first.tradesCursor };
    await eventually(async () => {
      await quiet(countB);
      const before = countB();
      assert.deepEqual((await syncB(current)).reads, { [id]: { readSeq: 0, peerReadSeq: 0 } });
      assert.equal(countB() - before, 0, 'an empty sync on B made no query');
    }, 30_000);

    const held = syncB({ ...current, wait: 20 });
    await sleep(500);
    await a.http.post(`/p2p/trades/${id}/read`).set('Authorization', a.auth(seller)).send({ seq: 2 }).expect(200);
    assert.deepEqual((await held).reads, { [id]: { readSeq: 0, peerReadSeq: 2 } });
    await eventually(async () => {
      await quiet(countB);
      const before = countB();
      assert.deepEqual((await syncB(current)).reads, { [id]: { readSeq: 0, peerReadSeq: 2 } });
      assert.equal(countB() - before, 0, 'B heard the receipt over the broker and answers it from memory');
    }, 30_000);
  });
});
