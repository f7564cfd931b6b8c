import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { openEmbeddedDatabase } from '../../src/persistence/embedded-database.js';
import { migrate } from '../../src/persistence/migrator.js';
import type { Database } from '../../src/persistence/database.js';
import { AMQP_URL, JWT_SECRET } from '../support/services.js';
import type { ReadState, TradeView } from '../../src/contract/shapes.js';

const UNKNOWN_TRADE = '00000000-0000-4000-8000-000000000000';

for (const drivers of DRIVER_SETS) {
  describe(`read receipts and unread counts [${drivers.name}]`, () => {
    let t: TestSystem;
    before(async function () {
      this.timeout(60_000);
      t = await startTestSystem(drivers);
    });
    after(() => t?.close());

    const send = (tradeId: string, user: string, message: string) =>
      t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(user)).send({ message }).expect(201);
    const read = (tradeId: string, user: string, body: unknown, prefix = '/p2p') =>
      t.http
        .post(`${prefix}/trades/${tradeId}/read`)
        .set('Authorization', t.auth(user))
        .set('Content-Type', 'application/json')
        .send(typeof body === 'string' ? body : JSON.stringify(body));
    const view = async (tradeId: string, user: string, admin = false) =>
      (await t.http.get(`/p2p/trades/${tradeId}`).set('Authorization', t.auth(user, { admin })).expect(200)).body as TradeView;
    const listed = async (tradeId: string, user: string) => {
      const trades = (await t.http.get('/p2p/trades').set('Authorization', t.auth(user)).expect(200)).body as TradeView[];
      return trades.find((trade) => trade.id === tradeId)!;
    };
    const readsOf = (v: TradeView) => ({ readSeq: v.readSeq, unread: v.unread, peerReadSeq: v.peerReadSeq });
    /** A trade with `n` messages from the buyer. */
    const tradeWith = async (n: number) => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const id = await openTrade(t, buyer, seller);
      for (let i = 1; i <= n; i++) await send(id, buyer, `m${i}`);
      return { id, buyer, seller };
    };

    it('stores the caller’s last-read seq and answers it; both parties see it in the trade and in the list', async () => {
      const { id, buyer, seller } = await tradeWith(3);
      assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 0, unread: 3, peerReadSeq: 0 });
      const res = await read(id, seller, { seq: 2 }).expect(200);
      const state = res.body as ReadState;
      assert.deepEqual(Object.keys(state).sort(), ['at', 'seq', 'tradeId', 'userId']);
      assert.deepEqual({ ...state, at: undefined }, { tradeId: id, userId: seller, seq: 2, at: undefined });
      assert.match(state.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      for (const v of [await view(id, seller), await listed(id, seller)]) assert.deepEqual(readsOf(v), { readSeq: 2, unread: 1, peerReadSeq: 0 });
      for (const v of [await view(id, buyer), await listed(id, buyer)]) assert.deepEqual(readsOf(v), { readSeq: 0, unread: 0, peerReadSeq: 2 });
    });

    it('never moves backwards: a lower or equal seq answers 200 with the stored state, unchanged', async () => {
      const { id, seller } = await tradeWith(4);
      const stored = (await read(id, seller, { seq: 3 }).expect(200)).body as ReadState;
      for (const seq of [1, 2, 3]) assert.deepEqual((await read(id, seller, { seq }).expect(200)).body, stored);
      assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 3, unread: 1, peerReadSeq: 0 });
      const moved = (await read(id, seller, { seq: 4 }).expect(200)).body as ReadState;
      assert.equal(moved.seq, 4);
      assert.ok(moved.at >= stored.at);
      assert.equal((await view(id, seller)).unread, 0);
    });

    it('keeps the highest of concurrent receipts', async () => {
      const { id, seller } = await tradeWith(20);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => read(id, seller, { seq: 20 - i }).expect(200)));
      for (const a of answers) assert.ok(a.body.seq >= 1);
      assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 20, unread: 0, peerReadSeq: 0 });
    });

    it('refuses a seq past the chat’s last message with 400 and stores nothing', async () => {
      const { id, seller } = await tradeWith(2);
      const res = await read(id, seller, { seq: 3 }).expect(400);
      assert.equal(res.body.error, 'bad_request');
      assert.match(res.body.message, /past the chat's last message \(seq 2\)/);
      assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 0, unread: 2, peerReadSeq: 0 });
      const empty = await tradeWith(0);
      await read(empty.id, empty.seller, { seq: 1 }).expect(400);
    });

    const badBodies: [string, unknown][] = [
      ['zero', { seq: 0 }],
      ['a negative seq', { seq: -1 }],
      ['a fraction', { seq: 1.5 }],
      ['a numeric string', { seq: '1' }],
      ['null', { seq: null }],
      ['no seq', {}],
      ['a seq beyond a 32-bit integer', { seq: 2 ** 31 }],
      ['a JSON array', [1]],
      ['a bare number', '1'],
      ['text that is not JSON', '{seq: 1'],
    ];
    for (const [name, body] of badBodies) {
      it(`refuses ${name} with 400 and stores nothing`, async () => {
        const { id, seller } = await tradeWith(2);
        const res = await read(id, seller, body).expect(400);
        assert.equal(res.body.error, 'bad_request');
        assert.equal(typeof res.body.message, 'string');
        assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 0, unread: 2, peerReadSeq: 0 });
      });
    }

    it('refuses anyone but the buyer and the seller (403, admins too) and an unknown trade (404)', async () => {
      const { id, buyer, seller } = await tradeWith(1);
      assert.equal((await read(id, 'eve', { seq: 1 }).expect(403)).body.error, 'forbidden');
      await t.http
        .post(`/p2p/trades/${id}/read`)
        .set('Authorization', t.auth('root', { admin: true }))
        .send({ seq: 1 })
        .expect(403);
      assert.equal((await read(UNKNOWN_TRADE, seller, { seq: 1 }).expect(404)).body.error, 'not_found');
      await read('not-a-uuid', seller, { seq: 1 }).expect(404);
      await t.http.post(`/p2p/trades/${id}/read`).send({ seq: 1 }).expect(401);
      for (const user of [buyer, seller]) assert.deepEqual(readsOf(await view(id, user)), { readSeq: 0, unread: user === seller ? 1 : 0, peerReadSeq: 0 });
    });

    it('is served under /api/p2p too, and folds an upper-case trade id', async () => {
      const { id, seller } = await tradeWith(2);
      assert.equal((await read(id, seller, { seq: 1 }, '/api/p2p').expect(200)).body.seq, 1);
      assert.equal((await read(id.toUpperCase(), seller, { seq: 2 }).expect(200)).body.tradeId, id);
      assert.equal((await view(id, seller)).readSeq, 2);
    });

    it('counts messages from others, a system message only for its side, and never the caller’s own', async () => {
      const { id, buyer, seller } = await tradeWith(1);
      await send(id, seller, 'hello');
      // PAID adds a system message for the seller only; a dispute adds one for both.
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
      assert.deepEqual(readsOf(await view(id, buyer)), { readSeq: 0, unread: 1, peerReadSeq: 0 });
      assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 0, unread: 2, peerReadSeq: 0 });
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(seller)).send({ status: 'DISPUTED' }).expect(200);
      assert.equal((await view(id, buyer)).unread, 2);
      assert.equal((await view(id, seller)).unread, 3);
      // The buyer reads up to the seller-only message (seq 3): a seq the buyer cannot see is still in range.
      await read(id, buyer, { seq: 3 }).expect(200);
      assert.deepEqual(readsOf(await view(id, buyer)), { readSeq: 3, unread: 1, peerReadSeq: 0 });
      await read(id, seller, { seq: 4 }).expect(200);
      assert.deepEqual(readsOf(await view(id, seller)), { readSeq: 4, unread: 0, peerReadSeq: 3 });
      assert.deepEqual(readsOf(await listed(id, buyer)), { readSeq: 3, unread: 1, peerReadSeq: 4 });
    });

    it('counts a mediator’s messages as unread for both parties; the mediator stores no read state', async () => {
      const { id, buyer, seller } = await tradeWith(0);
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(buyer)).send({ status: 'DISPUTED' }).expect(200);
      const before = { buyer: (await view(id, buyer)).unread!, seller: (await view(id, seller)).unread! };
      const posted = await t.http
        .post(`/p2p/trades/${id}/chat`)
        .set('Authorization', t.auth('mediator-1', { admin: true }))
        .send({ message: 'Please upload the bank receipt.' })
        .expect(201);
      assert.equal(posted.body.senderRole, 'MEDIATOR');
      assert.equal((await view(id, buyer)).unread, before.buyer + 1);
      assert.equal((await view(id, seller)).unread, before.seller + 1);
      await read(id, buyer, { seq: posted.body.seq }).expect(200);
      assert.equal((await view(id, buyer)).unread, 0);
      await t.http
        .post(`/p2p/trades/${id}/read`)
        .set('Authorization', t.auth('mediator-1', { admin: true }))
        .send({ seq: posted.body.seq })
        .expect(403);
      assert.deepEqual(readsOf(await view(id, 'mediator-1', true)), { readSeq: null, unread: null, peerReadSeq: null });
    });

    it('gives an admin who is not a party null read fields', async () => {
      const { id } = await tradeWith(2);
      assert.deepEqual(readsOf(await view(id, 'root', true)), { readSeq: null, unread: null, peerReadSeq: null });
    });
  });

  describe(`read state across a restart and a second process [${drivers.name}]`, () => {
    let database: TestDatabase | undefined;
    let folder: string | undefined;
    const amqp = uniqueAmqpNames();
    after(async () => {
      await database?.dispose();
      if (folder) await rm(folder, { recursive: true, force: true });
      if (drivers.bus === 'rabbitmq') await deleteAmqpNames(amqp).catch(() => {});
    });

    /** A new api on the same stored data: the same folder reopened (embedded), or another process's pool (PostgreSQL). */
    async function start(): Promise<TestSystem> {
      if (drivers.db === 'postgres') {
        database ??= await createTestDatabase('postgres');
        const env = { DATABASE_URL: database.url!, AMQP_URL, JWT_SECRET };
        return startTestSystem(drivers, { role: 'api', env, shared: { databaseUrl: database.url!, amqp } });
      }
      folder ??= await mkdtemp(join(tmpdir(), 'reads-'));
      const db: Database = await openEmbeddedDatabase(folder);
      await migrate(db);
      return startTestSystem(drivers, { wrapDatabase: () => db });
    }

    it('a receipt sent from one device is what another device sees after a restart or through another process', async function (this: Mocha.Context) {
      // Opening an embedded data folder runs initdb: tens of seconds on a loaded machine.
      this.timeout(180_000);
      const first = await start();
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      let id: string;
      try {
        id = await openTrade(first, buyer, seller);
        for (const m of ['one', 'two', 'three'])
          await first.http.post(`/p2p/trades/${id}/chat`).set('Authorization', first.auth(buyer)).send({ message: m }).expect(201);
        await first.http.post(`/p2p/trades/${id}/read`).set('Authorization', first.auth(seller)).send({ seq: 2 }).expect(200);
      } finally {
        if (drivers.db === 'embedded') await first.close();
      }
      const second = await start();
      try {
        const seen = (await second.http.get(`/p2p/trades/${id}`).set('Authorization', second.auth(seller)).expect(200)).body as TradeView;
        assert.deepEqual([seen.readSeq, seen.unread, seen.peerReadSeq], [2, 1, 0]);
        const theirs = (await second.http.get('/p2p/trades').set('Authorization', second.auth(buyer)).expect(200)).body as TradeView[];
        assert.equal(theirs[0]!.peerReadSeq, 2);
        // Still never backwards, whichever process answers.
        assert.equal((await second.http.post(`/p2p/trades/${id}/read`).set('Authorization', second.auth(seller)).send({ seq: 1 }).expect(200)).body.seq, 2);
      } finally {
        await second.close();
        if (drivers.db === 'postgres') await first.close();
      }
    });
  });
}
