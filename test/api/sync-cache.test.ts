import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { queryCounter, quiet as quietOf } from '../support/counting-database.js';
import { eventually } from '../support/eventually.js';
import type { SyncResponse } from '../../src/contract/shapes.js';
import { syncPath, type SyncCursors } from '../support/sync.js';

for (const drivers of DRIVER_SETS) {
  describe(`sync head cache [${drivers.name}]`, () => {
    let t: TestSystem;
    const { wrapDatabase, count } = queryCounter();
    before(async () => {
      t = await startTestSystem(drivers, {
        wrapDatabase,
        // No periodic outbox pass, so every query counted here is one a request made.
        relay: { pollIntervalMs: 3_600_000, retryDelayMs: 100 },
      });
    });
    after(() => t.close());

    const sync = async (user: string, query: SyncCursors) =>
      (await t.http.get(syncPath(query)).set('Authorization', t.auth(user)).expect(200)).body as SyncResponse;
    const quiet = () => quietOf(count);

    it('counts the queries of the seam it wraps', async () => {
      const before = count();
      await t.system.db.prisma.$queryRaw`SELECT 1`;
      await t.system.db.query('SELECT 1');
      assert.equal(count(), before + 2);
    });

    it('answers a sync whose cursors are all current without touching the database, and reads it again after a commit', async function () {
      this.timeout(90_000);
      const id = await openTrade(t, 'cache-buyer', 'cache-seller');
      await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('cache-buyer')).send({ message: 'one' }).expect(201);
      const first = await eventually(async () => {
        const res = await sync('cache-seller', { trades: { [id]: 0 } });
        assert.equal(res.notifications.length, 1);
        return res;
      });
      const current: SyncCursors = {
        trades: { [id]: first.chat[id]!.at(-1)!.seq },
        notificationsAfterSeq: first.notifications.at(-1)!.seq,
        tradesAfter: first.tradesCursor,
      };
      // Retried: on a busy machine a broker heartbeat can lapse, and the cache then rightly starts
      // over from the database; a cache that never answers fails every try.
      await eventually(async () => {
        await quiet();
        const before = count();
        const empty = await sync('cache-seller', current);
        const held = await sync('cache-seller', { ...current, wait: 1 });
        assert.equal(count() - before, 0, 'an empty sync and an empty long poll made no query');
        for (const res of [empty, held]) {
          assert.deepEqual([res.chat, res.notifications, res.trades], [{ [id]: [] }, [], []]);
        }
      }, 30_000);

      await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('cache-buyer')).send({ message: 'two' }).expect(201);
      await eventually(async () => {
        await quiet();
        const before = count();
        const res = await sync('cache-seller', current);
        assert.deepEqual(
          res.chat[id]!.map((m) => m.message),
          ['two'],
        );
        assert.equal(count(), before, 'the message the commit announced was answered from memory');
      }, 30_000);
      const behind = await sync('cache-seller', { ...current, trades: { [id]: 0 } });
      assert.deepEqual(
        behind.chat[id]!.map((m) => m.message),
        ['one', 'two'],
        'a cursor further behind gets the whole range',
      );
    });
  });
}
