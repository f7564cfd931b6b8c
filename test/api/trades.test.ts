import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';

for (const drivers of DRIVER_SETS) {
  describe(`trades REST [${drivers.name}]`, () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(drivers);
    });
    after(() => t.close());

    const post = (path: string, user: string, body: unknown) =>
      t.http
        .post(path)
        .set('Authorization', t.auth(user))
        .send(body as object);

    it('opens a trade with the caller as buyer and serves it under /p2p and /api/p2p', async () => {
      const res = await post('/p2p/trades', 'alice', { sellerId: 'bob', amount: '100.25', asset: 'USDT', fiat: 'VND' }).expect(201);
      assert.equal(res.body.buyerId, 'alice');
      assert.equal(res.body.sellerId, 'bob');
      assert.equal(res.body.status, 'PENDING');
      assert.equal(res.body.amount, '100.25');
      for (const prefix of ['/p2p', '/api/p2p']) {
        for (const user of ['alice', 'bob']) {
          const got = await t.http.get(`${prefix}/trades/${res.body.id}`).set('Authorization', t.auth(user)).expect(200);
          assert.equal(got.body.id, res.body.id);
        }
      }
    });

    it('lets an admin read any trade and refuses a third user', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await t.http
        .get(`/p2p/trades/${id}`)
        .set('Authorization', t.auth('root', { admin: true }))
        .expect(200);
      const res = await t.http.get(`/p2p/trades/${id}`).set('Authorization', t.auth('mallory')).expect(403);
      assert.deepEqual(Object.keys(res.body).sort(), ['error', 'message']);
      assert.equal(res.body.error, 'forbidden');
    });

    it("lists the caller's own trades, as buyer or seller, most recent first", async () => {
      const [me, other] = [`me-${Date.now()}`, `other-${Date.now()}`];
      const first = await openTrade(t, me, other);
      const second = await openTrade(t, other, me);
      await openTrade(t, other, 'someone-else');
      const res = await t.http.get('/p2p/trades').set('Authorization', t.auth(me)).expect(200);
      assert.deepEqual(
        res.body.map((trade: { id: string }) => trade.id),
        [second, first],
      );
      const one = await t.http.get('/api/p2p/trades?limit=1').set('Authorization', t.auth(me)).expect(200);
      assert.deepEqual(
        one.body.map((trade: { id: string }) => trade.id),
        [second],
      );
      await t.http.get('/p2p/trades?limit=0').set('Authorization', t.auth(me)).expect(400);
    });

    it('answers 404 for an unknown or malformed trade id', async () => {
      await t.http.get('/p2p/trades/00000000-0000-4000-8000-000000000000').set('Authorization', t.auth('alice')).expect(404);
      const res = await t.http.get('/p2p/trades/not-a-uuid').set('Authorization', t.auth('alice')).expect(404);
      assert.equal(res.body.error, 'not_found');
    });

    const badBodies: [string, unknown][] = [
      ['missing sellerId', { amount: '1', asset: 'USDT', fiat: 'VND' }],
      ['trade with yourself', { sellerId: 'alice', amount: '1', asset: 'USDT', fiat: 'VND' }],
      ['zero amount', { sellerId: 'bob', amount: '0', asset: 'USDT', fiat: 'VND' }],
      ['negative amount', { sellerId: 'bob', amount: '-5', asset: 'USDT', fiat: 'VND' }],
      ['amount not a number', { sellerId: 'bob', amount: 'lots', asset: 'USDT', fiat: 'VND' }],
      ['lower-case asset', { sellerId: 'bob', amount: '1', asset: 'usdt', fiat: 'VND' }],
      ['bad fiat', { sellerId: 'bob', amount: '1', asset: 'USDT', fiat: 'DONG' }],
      ['seller id with a slash', { sellerId: 'bob/x', amount: '1', asset: 'USDT', fiat: 'VND' }],
      ['array body', [1, 2]],
    ];
    for (const [name, body] of badBodies) {
      it(`refuses a trade with ${name}: 400 with a JSON error`, async () => {
        const res = await post('/p2p/trades', 'alice', body).expect(400);
        assert.equal(res.body.error, 'bad_request');
        assert.equal(typeof res.body.message, 'string');
      });
    }

    it('refuses malformed JSON with 400 and an oversized body with 413', async () => {
      const bad = await t.http
        .post('/p2p/trades')
        .set('Authorization', t.auth('alice'))
        .set('Content-Type', 'application/json')
        .send('{"sellerId":')
        .expect(400);
      assert.equal(bad.body.error, 'bad_request');
      const big = await post('/p2p/trades', 'alice', { sellerId: 'bob', pad: 'x'.repeat(64 * 1024) }).expect(413);
      assert.equal(big.body.error, 'payload_too_large');
    });

    describe('status rules', () => {
      // [from-path, change, by, expected status]
      const cases: [string[], string, string, number][] = [
        [[], 'PAID', 'alice', 200],
        [[], 'PAID', 'bob', 403],
        [[], 'CANCELLED', 'alice', 200],
        [[], 'CANCELLED', 'bob', 403],
        [[], 'RELEASED', 'bob', 409],
        [[], 'DISPUTED', 'alice', 409],
        [[], 'PENDING', 'alice', 409],
        [['PAID'], 'RELEASED', 'bob', 200],
        [['PAID'], 'RELEASED', 'alice', 403],
        [['PAID'], 'DISPUTED', 'alice', 200],
        [['PAID'], 'DISPUTED', 'bob', 200],
        [['PAID'], 'CANCELLED', 'alice', 409],
        [['PAID'], 'PAID', 'alice', 409],
        [['PAID', 'RELEASED'], 'DISPUTED', 'alice', 409],
        [['CANCELLED'], 'PAID', 'alice', 409],
        // Contract change (issue 12): only the mediator resolves a dispute; a party is not allowed.
        [['PAID', 'DISPUTED'], 'RELEASED', 'bob', 403],
        [['PAID', 'DISPUTED'], 'CANCELLED', 'alice', 403],
        [['PAID', 'DISPUTED'], 'PAID', 'alice', 409],
      ];
      const actorFor: Record<string, string> = { PAID: 'alice', RELEASED: 'bob', CANCELLED: 'alice', DISPUTED: 'bob' };
      for (const [path, to, by, expected] of cases) {
        const from = path.at(-1) ?? 'PENDING';
        it(`${from} -> ${to} by ${by === 'alice' ? 'the buyer' : 'the seller'}: ${expected}`, async () => {
          const id = await openTrade(t, 'alice', 'bob');
          for (const step of path) await post(`/p2p/trades/${id}/status`, actorFor[step]!, { status: step }).expect(200);
          const res = await post(`/p2p/trades/${id}/status`, by, { status: to }).expect(expected);
          const after = await t.http.get(`/p2p/trades/${id}`).set('Authorization', t.auth('alice')).expect(200);
          assert.equal(after.body.status, expected === 200 ? to : from);
          if (expected !== 200) assert.ok(res.body.message);
        });
      }

      it("refuses any change by a third user with 403, and an admin's outside a dispute: a resolution 409, anything else 403", async () => {
        const id = await openTrade(t, 'alice', 'bob');
        await post(`/p2p/trades/${id}/status`, 'mallory', { status: 'PAID' }).expect(403);
        const asAdmin = (status: string) =>
          t.http
            .post(`/p2p/trades/${id}/status`)
            .set('Authorization', t.auth('root', { admin: true }))
            .send({ status });
        await asAdmin('CANCELLED').expect(409);
        await asAdmin('PAID').expect(403);
      });

      it('refuses an unknown status with 400', async () => {
        const id = await openTrade(t, 'alice', 'bob');
        await post(`/p2p/trades/${id}/status`, 'alice', { status: 'DONE' }).expect(400);
        await post(`/p2p/trades/${id}/status`, 'alice', {}).expect(400);
      });

      it('lets only one of two concurrent identical changes win', async () => {
        const id = await openTrade(t, 'alice', 'bob');
        const results = await Promise.all([1, 2, 3].map(() => post(`/p2p/trades/${id}/status`, 'alice', { status: 'PAID' })));
        assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409]);
        const chat = await t.http.get(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('bob')).expect(200);
        assert.equal(chat.body.length, 1, 'exactly one system message');
      });
    });
  });
}
