import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { queryCounter, quiet as quietOf } from '../support/counting-database.js';
import { eventually } from '../support/eventually.js';
import type { ChatMessage, SyncResponse } from '../../src/contract/shapes.js';
import type { Transcript } from '../../src/contract/transcript.js';
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
      // Fresh (a reconnect's catch-up): read from the database however current memory says it is.
      await quiet();
      const before = count();
      const fresh = await sync('cache-seller', { ...current, trades: { [id]: current.trades[id]! + 1 }, fresh: true });
      assert.deepEqual(fresh.chat[id], []);
      assert.ok(count() > before, 'a fresh sync was answered from memory');
      const behind = await sync('cache-seller', { ...current, trades: { [id]: 0 } });
      assert.deepEqual(
        behind.chat[id]!.map((m) => m.message),
        ['one', 'two'],
        'a cursor further behind gets the whole range',
      );
    });

    it("gives every chat message the transcript entry's chainSeq and hash: the send's answer, its replay, the chat list, a cold sync (the database) and a warm one (memory) alike", async function () {
      this.timeout(90_000);
      const [buyer, seller] = ['link-buyer', 'link-seller'];
      const id = await openTrade(t, buyer, seller);
      const post = (message: string, clientMessageId: string, status: number) =>
        t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth(buyer)).send({ message, clientMessageId }).expect(status);
      const one = (await post('one', 'link-1', 201)).body as ChatMessage;
      assert.deepEqual((await post('one', 'link-1', 200)).body, one, 'the replay of a retried clientMessageId');

      // The seller's first sync of the trade: nothing in the head cache, so read from the database.
      const cold = await sync(seller, { trades: { [id]: 0 } });
      assert.deepEqual(cold.chat[id], [one]);
      const two = (await post('two', 'link-2', 201)).body as ChatMessage;
      await eventually(async () => {
        // Current cursors for the other feeds, so that only the chat could need the database.
        const feeds = await sync(seller, { trades: { [id]: two.seq } });
        await quiet();
        const before = count();
        const warm = await sync(seller, {
          trades: { [id]: one.seq },
          notificationsAfterSeq: feeds.notifications.at(-1)?.seq ?? 0,
          tradesAfter: feeds.tradesCursor,
        });
        assert.equal(count(), before, 'answered from memory');
        assert.deepEqual(warm.chat[id], [two]);
      }, 30_000);
      const list = async (query: string) =>
        (await t.http.get(`/api/p2p/trades/${id}/chat?${query}`).set('Authorization', t.auth(seller)).expect(200)).body as ChatMessage[];
      assert.deepEqual(await list('afterSeq=0'), [one, two]);
      assert.deepEqual(await list(`since=${encodeURIComponent(new Date(Date.parse(one.timestamp) - 1).toISOString())}`), [one, two]);

      const transcript = (await t.http.get(`/p2p/trades/${id}/transcript`).set('Authorization', t.auth(seller)).expect(200)).body as Transcript;
      const chatEntries = transcript.entries.filter((e) => e.entry?.kind === 'chat');
      assert.deepEqual(
        [one, two].map((m) => [m.id, m.chainSeq, m.hash]),
        chatEntries.map((e) => [e.entry!.kind === 'chat' && e.entry!.id, e.chainSeq, e.hash]),
      );
    });

    it('leaves the link out of a message whose entry is not signed yet (as the migration leaves it)', async () => {
      const id = await openTrade(t, 'unsigned-buyer', 'unsigned-seller');
      const sent = (await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('unsigned-buyer')).send({ message: 'old' }).expect(201))
        .body as ChatMessage;
      await t.system.db.query('UPDATE trade_chain_entries SET digest = NULL, hash = NULL, signature = NULL, kid = NULL WHERE chat_id = $1::uuid', [sent.id]);
      const { chainSeq: _seq, hash: _hash, ...unlinked } = sent;
      const listed = await t.http.get(`/p2p/trades/${id}/chat?afterSeq=0`).set('Authorization', t.auth('unsigned-seller')).expect(200);
      assert.deepEqual(listed.body, [unlinked]);
      assert.deepEqual((await sync('unsigned-seller', { trades: { [id]: 0 } })).chat[id], [unlinked]);
    });
  });
}
