import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually } from '../support/eventually.js';
import { CHAT_MESSAGE_KEYS } from '../support/wire-keys.js';

const VIETNAMESE = 'Chào bạn! Tôi đã chuyển khoản 2.500.000 ₫ rồi nhé 🙏🚀';

for (const drivers of DRIVER_SETS) {
  describe(`chat REST and polling [${drivers.name}]`, () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(drivers);
    });
    after(() => t.close());

    const send = (tradeId: string, user: string, message: unknown) =>
      t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(user)).send({ message });
    const list = (tradeId: string, user: string, query = '') =>
      t.http
        .get(`/p2p/trades/${tradeId}/chat${query}`)
        .set('Authorization', t.auth(user))
        .expect(200)
        .then((r) => r.body as Record<string, unknown>[]);

    it('stores a message and returns it in the contract shape with 201', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const res = await send(id, 'alice', VIETNAMESE).expect(201);
      assert.deepEqual(Object.keys(res.body).sort(), CHAT_MESSAGE_KEYS);
      assert.equal(res.body.message, VIETNAMESE);
      assert.equal(res.body.seq, 1);
      assert.equal(res.body.senderId, 'alice');
      assert.equal(res.body.senderRole, 'BUYER');
      assert.equal(res.body.recipientRole, null);
      assert.equal(res.body.isSystemMessage, false);
      assert.match(res.body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // Its transcript entry: the opening is entry 1.
      assert.equal(res.body.chainSeq, 2);
      assert.match(res.body.hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(await list(id, 'bob'), [res.body]);
    });

    it('returns exactly the messages after `since`, ascending, with or without a zone', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const sent = [];
      for (const text of ['one', 'two', 'three', 'four']) sent.push((await send(id, text === 'two' ? 'bob' : 'alice', text).expect(201)).body);
      assert.deepEqual(
        (await list(id, 'bob')).map((m) => m.message),
        ['one', 'two', 'three', 'four'],
      );
      assert.deepEqual(await list(id, 'bob', `?since=${sent[1].timestamp}`), sent.slice(2));
      // No zone means UTC, as the plan's LocalDateTime client sends it.
      const noZone = String(sent[1].timestamp).replace('Z', '');
      assert.deepEqual(await list(id, 'bob', `?since=${encodeURIComponent(noZone)}`), sent.slice(2));
      const offset = new Date(sent[2].timestamp).toISOString().replace('Z', '+00:00');
      assert.deepEqual(await list(id, 'bob', `?since=${encodeURIComponent(offset)}`), sent.slice(3));
      assert.deepEqual(await list(id, 'bob', `?since=${sent[3].timestamp}`), []);
      assert.deepEqual(await list(id, 'alice', '?since=2000-01-01'), sent);
    });

    it('pages by afterSeq and limit', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      for (let i = 1; i <= 5; i++) await send(id, 'alice', `m${i}`).expect(201);
      assert.deepEqual(
        (await list(id, 'bob', '?afterSeq=0&limit=2')).map((m) => m.seq),
        [1, 2],
      );
      assert.deepEqual(
        (await list(id, 'bob', '?afterSeq=2&limit=2')).map((m) => m.seq),
        [3, 4],
      );
      assert.deepEqual(
        (await list(id, 'bob', '?afterSeq=4')).map((m) => m.seq),
        [5],
      );
      assert.deepEqual(await list(id, 'bob', '?afterSeq=5'), []);
    });

    it('gives 100 concurrent sends seq 1..100 with no gap or duplicate, and strictly increasing timestamps', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => send(id, i % 2 ? 'alice' : 'bob', `concurrent ${i}`)));
      assert.ok(responses.every((r) => r.status === 201));
      const all = [...(await list(id, 'bob', '?afterSeq=0&limit=60')), ...(await list(id, 'bob', '?afterSeq=60&limit=60'))];
      assert.deepEqual(
        all.map((m) => m.seq),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.equal(new Set(all.map((m) => m.message)).size, 100);
      const times = all.map((m) => Date.parse(String(m.timestamp)));
      assert.ok(
        times.every((time, i) => i === 0 || time > times[i - 1]!),
        'timestamps strictly increase with seq',
      );
      // Polling by `since` from any message therefore never skips one either.
      assert.deepEqual(
        (await list(id, 'alice', `?since=${all[49]!.timestamp}`)).map((m) => m.seq),
        all.slice(50).map((m) => m.seq),
      );
    });

    it('shows a system message for one side only to that side, on both cursors', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('alice')).send({ status: 'PAID' }).expect(200);
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('bob')).send({ status: 'DISPUTED' }).expect(200);
      const seller = await list(id, 'bob');
      const buyer = await list(id, 'alice');
      assert.deepEqual(
        seller.map((m) => [m.seq, m.recipientRole]),
        [
          [1, 'SELLER'],
          [2, null],
        ],
      );
      assert.deepEqual(
        buyer.map((m) => [m.seq, m.recipientRole]),
        [[2, null]],
      );
      assert.ok(seller.every((m) => m.isSystemMessage === true && m.senderId === null && m.senderRole === null));
      assert.deepEqual(
        (await list(id, 'alice', '?afterSeq=0')).map((m) => m.seq),
        [2],
      );
      assert.deepEqual(
        (await list(id, 'alice', '?since=2000-01-01T00:00:00Z')).map((m) => m.seq),
        [2],
      );
    });

    it('shows the RELEASED message to the buyer only', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('alice')).send({ status: 'PAID' }).expect(200);
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('bob')).send({ status: 'RELEASED' }).expect(200);
      assert.deepEqual(
        (await list(id, 'alice')).map((m) => m.recipientRole),
        ['BUYER'],
      );
      assert.deepEqual(
        (await list(id, 'bob')).map((m) => m.recipientRole),
        ['SELLER'],
      );
    });

    it('refuses a third user and an admin both reading and writing the chat', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', 'private').expect(201);
      for (const auth of [t.auth('mallory'), t.auth('root', { admin: true })]) {
        await t.http.get(`/p2p/trades/${id}/chat`).set('Authorization', auth).expect(403);
        await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', auth).send({ message: 'hi' }).expect(403);
      }
      await send('00000000-0000-4000-8000-000000000000', 'alice', 'hi').expect(404);
    });

    const badMessages: [string, unknown][] = [
      ['an empty message', ''],
      ['a blank message', '   '],
      ['a 2001-character message', 'x'.repeat(2001)],
      // PostgreSQL text cannot hold U+0000: without the check the insert fails and answers 500.
      ['a message with a NUL character', 'Chào\u0000bạn'],
      ['a number', 42],
      ['null', null],
    ];
    for (const [name, message] of badMessages) {
      it(`refuses ${name} with 400`, async () => {
        const id = await openTrade(t, 'alice', 'bob');
        const res = await send(id, 'alice', message).expect(400);
        assert.equal(res.body.error, 'bad_request');
        assert.deepEqual(await list(id, 'alice'), [], 'nothing half-written');
      });
    }

    it('stores a message cut inside an emoji with U+FFFD for the lone half, as REST and event agree', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const sent = await send(id, 'alice', 'hi \ud83d').expect(201);
      assert.equal(sent.body.message, 'hi \ufffd');
      assert.deepEqual(
        (await list(id, 'alice')).map((m) => m.message),
        ['hi \ufffd'],
      );
    });

    it('accepts exactly 2000 characters, counting emoji as one', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', '🚀'.repeat(2000)).expect(201);
    });

    it('treats an upper-case trade id as the same trade, and pushes under the canonical id', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const events: string[] = [];
      const consumer = await t.system.bus.consume(
        { queue: `test.case.${id.slice(0, 8)}`, delivery: 'per-instance', routingKeys: ['chat.*'] },
        async (e) => void (e.type === 'ChatMessageEvent' && events.push(e.payload.tradeId)),
      );
      try {
        const res = await send(id.toUpperCase(), 'alice', 'HOA').expect(201);
        assert.equal(res.body.tradeId, id);
        assert.equal((await list(id.toUpperCase(), 'bob')).length, 1);
        await eventually(() => assert.deepEqual(events, [id]));
      } finally {
        await consumer.cancel();
      }
    });

    it('accepts chat in every status, after the trade is closed too', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('alice')).send({ status: 'CANCELLED' }).expect(200);
      await send(id, 'bob', 'ok, see you next time').expect(201);
    });

    const badQueries = [
      '?afterSeq=2147483648',
      '?since=yesterday',
      '?since=2026-13-01T00:00:00Z',
      '?afterSeq=-1',
      '?afterSeq=abc',
      '?limit=0',
      '?limit=5000',
      '?since=2026-01-01T00:00:00Z&afterSeq=1',
    ];
    for (const query of badQueries) {
      it(`refuses the query ${query} with 400`, async () => {
        const id = await openTrade(t, 'alice', 'bob');
        const res = await t.http.get(`/p2p/trades/${id}/chat${query}`).set('Authorization', t.auth('alice')).expect(400);
        assert.equal(res.body.error, 'bad_request');
      });
    }
  });
}

describe('chat rate limit', () => {
  let t: TestSystem;
  before(async () => {
    t = await startTestSystem(DRIVER_SETS[0]!, { env: { CHAT_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  after(() => t.close());

  it('answers 429 per user once the limit is spent, and other users are unaffected', async () => {
    const id = await openTrade(t, 'alice', 'bob');
    const send = (user: string) => t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth(user)).send({ message: 'hi' });
    for (let i = 0; i < 3; i++) await send('alice').expect(201);
    const limited = await send('alice').expect(429);
    assert.equal(limited.body.error, 'rate_limited');
    await send('bob').expect(201);
  });

  it('holds a mediator to the same limit, storing nothing past it', async () => {
    const id = await openTrade(t, 'carol', 'dave');
    for (const status of ['PAID', 'DISPUTED']) await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('carol')).send({ status }).expect(200);
    const send = () =>
      t.http
        .post(`/p2p/trades/${id}/chat`)
        .set('Authorization', t.auth('root', { admin: true }))
        .send({ message: 'mediating' });
    for (let i = 0; i < 3; i++) await send().expect(201);
    assert.equal((await send().expect(429)).body.error, 'rate_limited');
    const stored = await t.http.get(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('dave')).expect(200);
    assert.equal(stored.body.filter((m: { senderRole: string }) => m.senderRole === 'MEDIATOR').length, 3);
  });
});
