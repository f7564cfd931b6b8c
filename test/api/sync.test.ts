import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually } from '../support/eventually.js';
import type { SyncResponse } from '../../src/contract/shapes.js';
import { syncPath, type SyncCursors } from '../support/sync.js';

for (const drivers of DRIVER_SETS) {
  describe(`GET /p2p/sync [${drivers.name}]`, () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(drivers);
    });
    after(() => t.close());

    const sync = async (user: string, query: SyncCursors, prefix = '/p2p') =>
      (await t.http.get(syncPath(query, prefix)).set('Authorization', t.auth(user)).expect(200)).body as SyncResponse;
    const send = (tradeId: string, user: string, message: string) =>
      t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(user)).send({ message }).expect(201);
    const setStatus = (tradeId: string, user: string, status: string) =>
      t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(user)).send({ status }).expect(200);
    const user = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

    it('answers every listed trade past its cursor with the side rules of the chat route', async () => {
      const [buyer, seller] = [user('buyer'), user('seller')];
      const a = await openTrade(t, buyer, seller);
      const b = await openTrade(t, buyer, seller);
      await send(a, buyer, 'a1');
      await send(a, seller, 'a2');
      await send(b, buyer, 'b1');
      await setStatus(b, buyer, 'PAID'); // a system message for the seller only
      const res = await sync(seller, { trades: { [a]: 1, [b]: 0 } });
      assert.deepEqual(
        res.chat[a]!.map((m) => m.message),
        ['a2'],
      );
      assert.deepEqual(
        res.chat[b]!.map((m) => [m.seq, m.recipientRole]),
        [
          [1, null],
          [2, 'SELLER'],
        ],
      );
      assert.deepEqual(
        res.chat[a],
        (await t.http.get(`/p2p/trades/${a}/chat?afterSeq=1`).set('Authorization', t.auth(seller))).body,
        'the same shape as the chat route',
      );
      const buyerView = await sync(buyer, { trades: { [b]: 0 } }, '/api/p2p');
      assert.deepEqual(
        buyerView.chat[b]!.map((m) => m.seq),
        [1],
        'the buyer does not see the seller-only message',
      );
      assert.equal(res.more, false);
      assert.equal(res.pollIntervalMs, 2000);
      assert.deepEqual(res.errors, {});
      // Current cursors: nothing new.
      const again = await sync(seller, { trades: { [a]: 2, [b]: 2 } });
      assert.deepEqual(again.chat, { [a]: [], [b]: [] });
    });

    it("reports per trade a trade that is not the caller's (forbidden) or does not exist (not_found), and answers the rest", async () => {
      const [buyer, seller, stranger] = [user('buyer'), user('seller'), user('stranger')];
      const mine = await openTrade(t, stranger, seller);
      const theirs = await openTrade(t, buyer, seller);
      const missing = randomUUID();
      await send(mine, stranger, 'hello');
      const res = await sync(stranger, { trades: { [theirs]: 0, [missing]: 0, [mine]: 0 } });
      assert.deepEqual(res.errors, { [theirs]: { error: 'forbidden' }, [missing]: { error: 'not_found' } });
      assert.deepEqual(Object.keys(res.chat), [mine]);
      assert.deepEqual(
        res.chat[mine]!.map((m) => m.message),
        ['hello'],
      );
      const admin = await t.http
        .get(`/p2p/sync?trades=${theirs}:0`)
        .set('Authorization', t.auth('root', { admin: true }))
        .expect(200);
      assert.deepEqual(admin.body.errors, { [theirs]: { error: 'forbidden' } }, 'admins do not read chats, as on the chat route');
    });

    it("carries notifications past notificationsAfterSeq in the notifications route's shape", async () => {
      const [buyer, seller] = [user('buyer'), user('seller')];
      await openTrade(t, buyer, seller);
      const seen = await eventually(async () => {
        const res = await sync(seller, { trades: {} });
        assert.equal(res.notifications.length, 1);
        return res.notifications;
      });
      const viaRoute = (await t.http.get('/p2p/notifications?afterSeq=0').set('Authorization', t.auth(seller))).body;
      assert.deepEqual(seen, viaRoute);
      assert.deepEqual((await sync(seller, { trades: {}, notificationsAfterSeq: seen[0]!.seq })).notifications, []);
    });

    it("carries the caller's trades opened or changed past tradesAfter, with a cursor to pass back", async () => {
      const [me, other] = [user('me'), user('other')];
      const first = await sync(me, { trades: {} });
      assert.deepEqual(first.trades, []);
      const opened = await openTrade(t, other, me); // opened with me while I was away
      const second = await sync(me, { trades: {}, tradesAfter: first.tradesCursor });
      assert.deepEqual(
        second.trades.map((x) => [x.id, x.status]),
        [[opened, 'PENDING']],
      );
      // The trade route adds the caller's read state (readSeq, unread, peerReadSeq); sync gives those apart, in `reads`.
      const { readSeq, unread, peerReadSeq, ...trade } = (await t.http.get(`/p2p/trades/${opened}`).set('Authorization', t.auth(me))).body;
      assert.deepEqual([readSeq, unread, peerReadSeq], [0, 0, 0]);
      assert.deepEqual(second.trades[0], trade);
      assert.deepEqual((await sync(me, { trades: {}, tradesAfter: second.tradesCursor })).trades, []);
      await setStatus(opened, other, 'PAID');
      const third = await sync(me, { trades: {}, tradesAfter: second.tradesCursor });
      assert.deepEqual(
        third.trades.map((x) => [x.id, x.status]),
        [[opened, 'PAID']],
      );
      const all = await sync(me, { trades: {} });
      assert.deepEqual(
        all.trades.map((x) => x.id),
        [opened],
        'without tradesAfter: all of them, each once',
      );
      assert.equal(all.tradesCursor, third.tradesCursor);
    });

    it('never skips a trade opened or changed concurrently with the reader (the feed cursor)', async () => {
      const me = user('me');
      const opened = new Set<string>();
      let writing = true;
      const writes = (async () => {
        await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const id = await openTrade(t, `${me}-buyer-${i}`, me);
            opened.add(id);
            if (i % 3 === 0) await setStatus(id, `${me}-buyer-${i}`, 'CANCELLED');
          }),
        );
        writing = false;
      })();
      const seen = new Map<string, string>();
      let cursor: string | undefined;
      for (;;) {
        const finished = !writing;
        const res = await sync(me, { trades: {}, tradesAfter: cursor });
        for (const trade of res.trades) seen.set(trade.id, trade.status);
        cursor = res.tradesCursor;
        if (finished && res.trades.length === 0 && !res.more) break;
      }
      await writes;
      assert.deepEqual([...seen.keys()].sort(), [...opened].sort());
      assert.equal([...seen.values()].filter((status) => status === 'CANCELLED').length, 10, "each trade's last change arrived");
    });

    it('pages with `more`: at most 100 trades and 1000 messages per trade', async () => {
      const [me, other] = [user('me'), user('other')];
      const actor = { userId: other, isAdmin: false };
      const ids: string[] = [];
      for (let i = 0; i < 101; i++) ids.push((await t.system.trades.open(actor, { sellerId: me, amount: '1', asset: 'USDT', fiat: 'VND' })).id);
      const page1 = await sync(me, { trades: {} });
      assert.equal(page1.trades.length, 100);
      assert.equal(page1.more, true);
      const page2 = await sync(me, { trades: {}, tradesAfter: page1.tradesCursor });
      assert.deepEqual(
        [...page1.trades, ...page2.trades].map((x) => x.id),
        ids,
      );
      assert.equal(page2.more, false);

      const tradeId = ids[0]!;
      // 1001 messages in one statement, as 1001 sends would leave them.
      await t.system.db.query(
        `WITH slot AS (UPDATE trades SET chat_seq = 1001 WHERE id = $1::uuid RETURNING id)
         INSERT INTO trade_chat_messages (id, trade_id, seq, sender_id, message, timestamp)
         SELECT gen_random_uuid(), slot.id, n, $2, 'm' || n, now() + n * interval '1 millisecond' FROM slot, generate_series(1, 1001) AS n`,
        [tradeId, other],
      );
      const tradesAfter = page2.tradesCursor;
      const chat1 = await sync(me, { trades: { [tradeId]: 0 }, tradesAfter });
      assert.equal(chat1.chat[tradeId]!.length, 1000);
      assert.equal(chat1.more, true);
      const chat2 = await sync(me, { trades: { [tradeId]: 1000 }, tradesAfter });
      assert.deepEqual(
        chat2.chat[tradeId]!.map((m) => m.seq),
        [1001],
      );
      assert.equal(chat2.more, false);
    });

    it('refuses malformed input with 400 and the JSON error shape, and unauthenticated calls with 401', async () => {
      const id = randomUUID();
      const tooMany = Array.from({ length: 101 }, () => `${randomUUID()}:0`).join(',');
      for (const query of [
        `trades=${id}`,
        `trades=${id}:-1`,
        `trades=${id}:1.5`,
        `trades=${id}:x`,
        `trades=not-a-uuid:0`,
        `trades=${id}:0,${id}:1`,
        `trades=${id}:2147483648`,
        `trades=${tooMany}`,
        `trades=${id}:0&trades=${id}:0`,
        'notificationsAfterSeq=-1',
        'tradesAfter=garbage',
        'wait=31',
        'wait=-1',
        'wait=1.5',
        'fresh=yes',
        'fresh=1&fresh=1',
      ]) {
        const res = await t.http.get(`/p2p/sync?${query}`).set('Authorization', t.auth('alice'));
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error, 'bad_request', query);
        assert.equal(typeof res.body.message, 'string');
      }
      const res = await t.http.get('/p2p/sync').expect(401);
      assert.equal(res.body.error, 'unauthorized');
      await t.http.get('/p2p/sync').set('Authorization', 'Bearer nonsense').expect(401);
    });

    it('long poll: holds until a message for the caller is committed, then answers with it', async () => {
      const [buyer, seller] = [user('buyer'), user('seller')];
      const id = await openTrade(t, buyer, seller);
      // The notification of the opening comes from the worker: wait for it, so only the message is news.
      const current = await eventually(async () => {
        const res = await sync(seller, { trades: { [id]: 0 } });
        assert.equal(res.notifications.length, 1);
        return res;
      });
      const started = Date.now();
      const held = sync(seller, {
        trades: { [id]: 0 },
        notificationsAfterSeq: current.notifications.at(-1)?.seq ?? 0,
        tradesAfter: current.tradesCursor,
        wait: 20,
      });
      setTimeout(() => void send(id, buyer, 'wake up').then(), 300);
      const res = await held;
      assert.deepEqual(
        res.chat[id]!.map((m) => m.message),
        ['wake up'],
      );
      assert.ok(Date.now() - started < 20_000, 'answered before the wait ran out');
    });

    it('long poll: answers 200 with empty lists when the wait runs out', async () => {
      const me = user('me');
      const current = await sync(me, { trades: {} });
      const res = await sync(me, { trades: {}, tradesAfter: current.tradesCursor, wait: 1 });
      assert.deepEqual(
        { chat: res.chat, notifications: res.notifications, trades: res.trades, more: res.more },
        { chat: {}, notifications: [], trades: [], more: false },
      );
    });

    it('runs the API request pipeline: the same CORS headers as an Express route', async () => {
      const headersOf = async (path: string) => {
        const res = await t.http.get(path).set('Origin', 'http://example.test').set('Authorization', t.auth('alice')).expect(200);
        return res.headers;
      };
      const lean = await headersOf('/p2p/sync');
      const express = await headersOf('/p2p/notifications');
      assert.equal(lean['access-control-allow-origin'], 'http://example.test');
      const shared = (h: Record<string, string>) =>
        Object.keys(h)
          .filter((k) => !['date', 'etag', 'content-length', 'connection', 'keep-alive', 'ratelimit', 'ratelimit-policy'].includes(k))
          .sort();
      assert.deepEqual(shared(lean), shared(express));
      const preflight = await t.http.options('/p2p/sync').set('Origin', 'http://example.test').set('Access-Control-Request-Method', 'GET').expect(204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'http://example.test');
    });
  });
}
