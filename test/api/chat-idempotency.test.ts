import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually, sleep } from '../support/eventually.js';
import { CHAT_MESSAGE_KEYS } from '../support/wire-keys.js';

for (const drivers of DRIVER_SETS) {
  describe(`idempotent chat sends with clientMessageId [${drivers.name}]`, function () {
    this.timeout(60_000);
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(drivers);
    });
    after(() => t.close());

    const send = (tradeId: string, user: string, body: Record<string, unknown>) =>
      t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(user)).send(body);
    const list = (tradeId: string, user = 'bob') =>
      t.http
        .get(`/p2p/trades/${tradeId}/chat`)
        .set('Authorization', t.auth(user))
        .expect(200)
        .then((r) => r.body as { id: string; seq: number; message: string }[]);

    /** The chat events published for a trade while `work` runs (and shortly after). */
    async function eventsDuring(tradeId: string, work: () => Promise<void>): Promise<string[]> {
      const events: string[] = [];
      const consumer = await t.system.bus.consume(
        { queue: `test.idem.${randomUUID().slice(0, 8)}`, delivery: 'per-instance', routingKeys: ['chat.*'] },
        async (e) => void (e.type === 'ChatMessageEvent' && e.payload.tradeId === tradeId && events.push(e.payload.chatId)),
      );
      try {
        await work();
        await eventually(() => assert.ok(events.length > 0));
        await sleep(300); // a second event, if there were one, has had time to arrive
        return events;
      } finally {
        await consumer.cancel();
      }
    }

    it('stores the first send (201) and answers a retry with the stored message (200), once', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const body = { message: 'đã chuyển khoản', clientMessageId: 'retry-1' };
      let first!: Record<string, unknown>;
      const events = await eventsDuring(id, async () => {
        first = (await send(id, 'alice', body).expect(201)).body;
        const retry = await send(id, 'alice', body).expect(200);
        assert.deepEqual(retry.body, first);
      });
      assert.deepEqual(events, [first.id]);
      assert.deepEqual(
        (await list(id)).map((m) => m.id),
        [first.id],
      );
      // The rolled-back retry left no hole in seq.
      assert.equal((await send(id, 'alice', { message: 'next' }).expect(201)).body.seq, 2);
      // The replay's link is the stored entry's, read beside the message.
      assert.deepEqual(Object.keys(first).sort(), CHAT_MESSAGE_KEYS);
    });

    it('stores exactly one row and publishes one event for 20 concurrent tries with one key', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const body = { message: 'once', clientMessageId: randomUUID() };
      let responses!: { status: number; body: { id: string; seq: number } }[];
      const events = await eventsDuring(id, async () => {
        responses = await Promise.all(Array.from({ length: 20 }, () => send(id, 'alice', body)));
      });
      assert.deepEqual(responses.map((r) => r.status).sort(), [...Array(19).fill(200), 201]);
      assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
      assert.deepEqual(events, [responses[0]!.body.id]);
      const stored = await list(id);
      assert.deepEqual(
        stored.map((m) => [m.seq, m.message]),
        [[1, 'once']],
      );
    });

    it('refuses the same key with a different text (409) and stores nothing for it', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', { message: 'first text', clientMessageId: 'k' }).expect(201);
      const res = await send(id, 'alice', { message: 'second text', clientMessageId: 'k' }).expect(409);
      assert.equal(res.body.error, 'conflict');
      assert.match(res.body.message, /clientMessageId/);
      assert.deepEqual(
        (await list(id)).map((m) => m.message),
        ['first text'],
      );
    });

    it('scopes a key to its sender and its trade; sends without a key are never merged', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const other = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', { message: 'hi', clientMessageId: 'same' }).expect(201);
      await send(id, 'bob', { message: 'hi', clientMessageId: 'same' }).expect(201);
      await send(other, 'alice', { message: 'hi', clientMessageId: 'same' }).expect(201);
      await send(id, 'alice', { message: 'plain' }).expect(201);
      await send(id, 'alice', { message: 'plain' }).expect(201);
      assert.deepEqual(
        (await list(id)).map((m) => m.message),
        ['hi', 'hi', 'plain', 'plain'],
      );
      assert.equal((await list(other)).length, 1);
    });

    it('refuses a malformed clientMessageId with 400 and stores nothing', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      for (const clientMessageId of ['', 'x'.repeat(65), 'has space', 'slash/', 'é', 42, null]) {
        const res = await send(id, 'alice', { message: 'm', clientMessageId }).expect(400);
        assert.equal(res.body.error, 'bad_request');
        assert.match(res.body.message, /clientMessageId/);
      }
      await send(id, 'alice', { message: 'm', clientMessageId: `${'A-z_9'.repeat(12)}abcd` }).expect(201);
      assert.equal((await list(id)).length, 1);
    });
  });
}
