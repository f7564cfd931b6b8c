import assert from 'node:assert/strict';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { DURABLE_ROUTING_KEYS, captureEvents, type CapturedMessage } from '../support/amqp.js';
import { eventually, sleep } from '../support/eventually.js';
import { AMQP_URL } from '../support/services.js';
import { CHAT_MESSAGE_EVENT_KEYS, TRADE_STATUS_EVENT_KEYS } from '../support/wire-keys.js';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// A transcript chain hash (issue 12): lower-case hex SHA-256.
const HASH = /^[0-9a-f]{64}$/;

// What a consumer outside this code base sees on the exchange (docs/contract.md, "Events").
describe('events on a real RabbitMQ exchange', () => {
  let t: TestSystem;
  let capture: Awaited<ReturnType<typeof captureEvents>>;
  before(async () => {
    t = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' });
    capture = await captureEvents(t.amqp.exchange, DURABLE_ROUTING_KEYS);
  });
  after(async () => {
    await capture.close();
    await t.close();
  });
  beforeEach(() => {
    capture.messages.length = 0;
  });

  /** Waits for exactly `count` messages, then makes sure no more arrive. */
  async function exactly(count: number): Promise<CapturedMessage[]> {
    await eventually(() => assert.ok(capture.messages.length >= count, `got ${capture.messages.length} of ${count}`));
    await sleep(200);
    assert.equal(capture.messages.length, count, JSON.stringify(capture.messages.map((m) => m.routingKey)));
    return [...capture.messages];
  }

  function assertProperties(m: CapturedMessage, type: string) {
    assert.equal(m.properties.contentType, 'application/json');
    assert.equal(m.properties.deliveryMode, 2, 'persistent');
    assert.equal(m.properties.type, type);
    assert.equal(m.properties.messageId, m.body.eventId);
    assert.match(String(m.body.timestamp), ISO_MS);
  }

  it('opening a trade publishes one TradeStatusEvent into PENDING (and the worker notifies the seller)', async () => {
    const id = await openTrade(t, 'alice', 'bob');
    const messages = await exactly(2);
    const status = messages.find((m) => m.routingKey === 'trade.events.status')!;
    assertProperties(status, 'TradeStatusEvent');
    assert.deepEqual(Object.keys(status.body).sort(), TRADE_STATUS_EVENT_KEYS);
    assert.match(String(status.body.hash), HASH);
    assert.deepEqual(
      { ...status.body, eventId: undefined, timestamp: undefined, hash: undefined },
      {
        eventId: undefined,
        timestamp: undefined,
        hash: undefined,
        tradeId: id,
        buyerId: 'alice',
        sellerId: 'bob',
        actorId: 'alice',
        previousStatus: null,
        status: 'PENDING',
        chainSeq: 1,
      },
    );
    const notification = messages.find((m) => m.routingKey === 'notification.new')!;
    assertProperties(notification, 'NotificationEvent');
    assert.equal(notification.body.userId, 'bob');
    assert.equal(notification.body.type, 'TRADE_PENDING');
  });

  it('a chat message publishes one ChatMessageEvent on chat.message', async () => {
    const id = await openTrade(t, 'alice', 'bob');
    await exactly(2);
    capture.messages.length = 0;
    const sent = await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('bob')).send({ message: 'Đã nhận 👍' }).expect(201);
    const [m] = await exactly(1);
    assert.equal(m!.routingKey, 'chat.message');
    assertProperties(m!, 'ChatMessageEvent');
    assert.deepEqual(Object.keys(m!.body).sort(), CHAT_MESSAGE_EVENT_KEYS);
    assert.match(String(m!.body.hash), HASH);
    assert.deepEqual(
      { ...m!.body, eventId: undefined, hash: undefined },
      {
        eventId: undefined,
        hash: undefined,
        tradeId: id,
        chatId: sent.body.id,
        seq: 1,
        senderId: 'bob',
        senderRole: 'SELLER',
        message: 'Đã nhận 👍',
        timestamp: sent.body.timestamp,
        recipientRole: null,
        isSystemMessage: false,
        // The opening's status entry is the chain's first (docs/transcript.md).
        chainSeq: 2,
      },
    );
  });

  const transitions: [string[], string, string, string | null, string][] = [
    [[], 'PAID', 'alice', 'SELLER', 'bob'],
    [['PAID'], 'RELEASED', 'bob', 'BUYER', 'alice'],
    [[], 'CANCELLED', 'alice', null, 'bob'],
    [['PAID'], 'DISPUTED', 'bob', null, 'alice'],
  ];
  const actorFor: Record<string, string> = { PAID: 'alice' };
  for (const [path, to, actor, recipientRole, notified] of transitions) {
    it(`${to} publishes a TradeStatusEvent, a chat.system event for ${recipientRole ?? 'both'} and one notification for the other party`, async () => {
      const id = await openTrade(t, 'alice', 'bob');
      for (const step of path) await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(actorFor[step]!)).send({ status: step }).expect(200);
      await exactly(2 + path.length * 3);
      capture.messages.length = 0;

      await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(actor)).send({ status: to }).expect(200);
      const messages = await exactly(3);
      const byKey = Object.fromEntries(messages.map((m) => [m.routingKey, m]));
      assert.deepEqual(Object.keys(byKey).sort(), ['chat.system', 'notification.new', 'trade.events.status']);

      const status = byKey['trade.events.status']!;
      assertProperties(status, 'TradeStatusEvent');
      assert.equal(status.body.actorId, actor);
      assert.equal(status.body.previousStatus, path.at(-1) ?? 'PENDING');
      assert.equal(status.body.status, to);

      const system = byKey['chat.system']!;
      assertProperties(system, 'ChatMessageEvent');
      assert.equal(system.body.senderId, null);
      assert.equal(system.body.senderRole, null);
      assert.equal(system.body.isSystemMessage, true);
      assert.equal(system.body.recipientRole, recipientRole);
      assert.equal(system.body.seq, path.length + 1);

      const notification = byKey['notification.new']!;
      assert.equal(notification.body.userId, notified);
      assert.equal(notification.body.type, `TRADE_${to}`);
    });
  }

  it('a refused action publishes nothing', async () => {
    const id = await openTrade(t, 'alice', 'bob');
    await exactly(2);
    capture.messages.length = 0;
    await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('bob')).send({ status: 'PAID' }).expect(403);
    await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('mallory')).send({ message: 'x' }).expect(403);
    await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('alice')).send({ message: '' }).expect(400);
    await exactly(0);
  });

  it('the worker drops a malformed event and keeps working', async () => {
    const connection = await amqplib.connect(AMQP_URL);
    try {
      const channel = await connection.createConfirmChannel();
      const publish = (body: string, type: string) =>
        new Promise<void>((resolve, reject) =>
          channel.publish(t.amqp.exchange, 'trade.events.status', Buffer.from(body), { type, messageId: randomUUID() }, (err) =>
            err ? reject(err) : resolve(),
          ),
        );
      await publish('{', 'TradeStatusEvent');
      await publish(JSON.stringify({ eventId: 'x', status: 'EXPLODED' }), 'TradeStatusEvent');
      await publish('{}', 'SomethingElse');
    } finally {
      await connection.close();
    }
    const id = await openTrade(t, 'carol', 'dave');
    await eventually(async () => {
      const res = await t.http.get('/p2p/notifications').set('Authorization', t.auth('dave')).expect(200);
      assert.deepEqual(
        res.body.map((n: { message: string }) => n.message.includes(id.slice(0, 8))),
        [true],
      );
    });
  });
});
