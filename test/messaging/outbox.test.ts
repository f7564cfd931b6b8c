import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AMQP_URL } from '../support/services.js';
import { DRIVER_SETS, openTrade, startTestSystem, type DriverSet, type TestSystem } from '../support/system.js';
import { DURABLE_ROUTING_KEYS, captureEvents } from '../support/amqp.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { eventually, sleep } from '../support/eventually.js';
import { notificationEvent, type BusEvent } from '../../src/events/events.js';
import { Outbox } from '../../src/messaging/outbox.js';
import { OutboxRelay } from '../../src/messaging/outbox-relay.js';
import type { Consumer, EventBus } from '../../src/messaging/event-bus.js';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { createTestDatabase } from '../support/databases.js';
import { silentLogger } from '../support/system.js';

describe('transactional outbox with RabbitMQ unreachable', function () {
  this.timeout(60_000);
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let t: TestSystem;
  let capture: Awaited<ReturnType<typeof captureEvents>>;

  before(async () => {
    proxy = await startTcpProxy(Number(new URL(AMQP_URL).port || 5672));
    const viaProxy = new URL(AMQP_URL);
    viaProxy.port = String(proxy.port);
    t = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' }, { amqpUrl: viaProxy.toString() });
    // The observer talks to the broker directly: it sees what really reached RabbitMQ. It binds
    // the outbox's keys only: the gateway's presence snapshot on reconnecting is no outbox event.
    capture = await captureEvents(t.amqp.exchange, DURABLE_ROUTING_KEYS);
  });
  after(async () => {
    await capture.close();
    await t.close();
    await proxy.close();
  });

  it('accepts every action while the broker is down and publishes all their events once it is back', async () => {
    await proxy.down();
    await eventually(() => assert.equal(t.system.bus.isReady(), false));
    await t.http.get('/readyz').expect(503);

    const id = await openTrade(t, 'alice', 'bob');
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push(
        (
          await t.http
            .post(`/p2p/trades/${id}/chat`)
            .set('Authorization', t.auth(i % 2 ? 'bob' : 'alice'))
            .send({ message: `offline ${i}` })
            .expect(201)
        ).body,
      );
    }
    await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth('alice')).send({ status: 'PAID' }).expect(200);
    // 1 opening + 5 chat + status + system message, all committed and waiting.
    await sleep(1_500);
    assert.equal(capture.messages.length, 0, 'nothing reached the broker');
    assert.equal(await t.system.relay.pendingCount(), 8);
    // Polling still serves everything while the broker is away.
    const polled = await t.http.get(`/p2p/trades/${id}/chat?afterSeq=0`).set('Authorization', t.auth('bob')).expect(200);
    assert.equal(polled.body.length, 6);

    await proxy.up();
    await eventually(() => assert.equal(t.system.bus.isReady(), true), 15_000);
    // 8 events, plus the worker's notifications for the opening and PAID events (2).
    await eventually(() => assert.ok(capture.messages.length >= 10, `got ${capture.messages.length}`), 20_000);
    await eventually(async () => assert.equal(await t.system.relay.pendingCount(), 0));
    await sleep(300);

    const chat = capture.messages.filter((m) => m.routingKey === 'chat.message').map((m) => m.body.chatId);
    assert.deepEqual([...chat].sort(), sent.map((m) => m.id).sort());
    const ids = capture.messages.map((m) => m.body.eventId);
    assert.equal(new Set(ids).size, ids.length, 'no event published twice');
    assert.deepEqual(capture.messages.map((m) => m.routingKey).sort(), [
      'chat.message',
      'chat.message',
      'chat.message',
      'chat.message',
      'chat.message',
      'chat.system',
      'notification.new',
      'notification.new',
      'trade.events.status',
      'trade.events.status',
    ]);
    await t.http.get('/readyz').expect(200);
  });
});

for (const drivers of DRIVER_SETS) {
  describe(`outbox atomicity [${drivers.name}]`, () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(drivers);
    });
    after(() => t.close());

    it('writes no event when the transaction rolls back, and no row when the event cannot be written', async () => {
      const event = () =>
        notificationEvent({ eventId, userId: 'u', notificationId: randomUUID(), type: 'T', message: 'm', timestamp: new Date().toISOString() });
      const eventId = randomUUID();
      await assert.rejects(
        t.system.outbox.transaction(async (_tx, stage) => {
          stage(event());
          throw new Error('business rule failed after the event was staged');
        }),
      );
      assert.equal(await t.system.db.prisma.outboxEvent.count({ where: { eventId } }), 0);

      // A duplicate event id makes the outbox insert fail: the notification row must go too.
      const before = await t.system.db.prisma.notification.count();
      await t.system.relay.stop();
      try {
        await t.system.db.prisma.outboxEvent.create({ data: { eventId, routingKey: 'x', type: 'NotificationEvent', payload: {} } });
        await assert.rejects(
          t.system.outbox.transaction(async (tx, stage) => {
            await tx.notification.create({ data: { userId: 'u', seq: 1, type: 'T', message: 'm' } });
            stage(event());
          }),
        );
        assert.equal(await t.system.db.prisma.notification.count(), before);
      } finally {
        await t.system.db.prisma.outboxEvent.deleteMany({ where: { eventId } });
        t.system.relay.start();
      }
    });

    it('publishes a committed event from memory at once, and a leftover row on the next pass', async () => {
      const { seen, consumer } = await watchNotifications(t);
      try {
        const fresh = someEvent('fresh');
        await t.system.outbox.transaction(async (_tx, stage) => stage(fresh));
        await eventually(() => assert.ok(seen.includes(fresh.eventId)));
        // A row committed by a process that died before publishing: unleased, found by the timer.
        const orphan = someEvent('orphan');
        await t.system.db.prisma.outboxEvent.create({ data: unleasedRow(orphan) });
        await eventually(() => assert.ok(seen.includes(orphan.eventId)));
        await eventually(async () => assert.equal(await t.system.relay.pendingCount(), 0));
        assert.equal(seen.filter((id) => id === fresh.eventId).length, 1);
      } finally {
        await consumer.cancel();
      }
    });

    it('leaves a freshly committed row to its writer until the lease runs out, then publishes it', async () => {
      const { seen, consumer } = await watchNotifications(t);
      try {
        // A writer that commits and then dies before publishing (its publish goes nowhere), on
        // a host whose clock runs a minute behind the database's: the lease must hold anyway.
        const dying = new Outbox(t.system.db, () => {}, 1_000);
        const event = someEvent();
        await withClockSkew(drivers, -60_000, () => dying.transaction(async (_tx, stage) => stage(event)));
        await sleep(500);
        assert.deepEqual(seen, [], 'another relay took a row still leased to its writer');
        await eventually(() => assert.deepEqual(seen, [event.eventId]), 5_000);
      } finally {
        await consumer.cancel();
      }
    });

    it('retries an unconfirmed event after the retry delay, on a host whose clock runs ahead', async () => {
      const { db, dispose } = await createTestDatabase(drivers.db);
      const attempts: string[] = [];
      const flakyBus = {
        kind: 'in-process',
        publish: async (e: BusEvent) => {
          attempts.push(e.eventId);
          if (attempts.length === 1) throw new Error('not confirmed');
        },
      } as unknown as EventBus;
      const relay = new OutboxRelay(db, flakyBus, silentLogger, { pollIntervalMs: 20, retryDelayMs: 100 });
      const event = someEvent();
      try {
        await db.prisma.outboxEvent.create({ data: unleasedRow(event) });
        await withClockSkew(drivers, 60_000, async () => {
          relay.start();
          // Were the delay reckoned on this host's clock, the retry would wait a minute more.
          await eventually(async () => assert.equal(await db.prisma.outboxEvent.count(), 0), 5_000);
        });
        assert.deepEqual(attempts, [event.eventId, event.eventId]);
      } finally {
        await relay.stop();
        await dispose();
      }
    });

    it('empties the outbox once the bus confirms', async () => {
      await openTrade(t, 'alice', 'bob');
      await eventually(async () => assert.equal(await t.system.relay.pendingCount(), 0));
    });
  });
}

describe('outbox relays in several processes', () => {
  it('share the rows: 500 events, three relays, each event published exactly once', async function () {
    this.timeout(60_000);
    const { db, url, dispose } = await createTestDatabase('postgres');
    // Each relay with its own pool, as separate processes would have.
    const others = await Promise.all([1, 2].map(() => openPostgresDatabase({ url: url! })));
    const published: string[] = [];
    const bus = {
      kind: 'in-process',
      publish: async (e: BusEvent) => {
        await sleep(Math.random() * 2);
        published.push(e.eventId);
      },
    } as unknown as EventBus;
    const relays = [db, ...others].map((d) => new OutboxRelay(d, bus, silentLogger, { pollIntervalMs: 20, batchSize: 25 }));
    try {
      const events = Array.from({ length: 500 }, () => someEvent());
      await db.prisma.outboxEvent.createMany({ data: events.map(unleasedRow) });
      relays.forEach((r) => r.start());
      await eventually(async () => assert.equal(await db.prisma.outboxEvent.count(), 0), 30_000);
      assert.equal(published.length, 500);
      assert.equal(new Set(published).size, 500);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await Promise.all(others.map((d) => d.close()));
      await dispose();
    }
  });
});

/**
 * Runs `work` with this process's clock (Date.now) `offsetMs` off the database server's. The
 * embedded database runs in this process and reads the same clock (PGlite's now() is Date.now),
 * so there the two cannot disagree and the clock is left alone.
 */
async function withClockSkew<T>(drivers: DriverSet, offsetMs: number, work: () => Promise<T>): Promise<T> {
  if (drivers.db === 'embedded') return work();
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
  try {
    return await work();
  } finally {
    Date.now = realNow;
  }
}

/** A notification event, told apart by `message`; no consumer acts on it but the test's. */
function someEvent(message = 'm'): BusEvent {
  return notificationEvent({ eventId: randomUUID(), userId: 'u', notificationId: randomUUID(), type: 'T', message, timestamp: new Date().toISOString() });
}

/** The row a process that committed `event` and died before publishing leaves: unleased. */
function unleasedRow(event: BusEvent) {
  return { eventId: event.eventId, routingKey: event.routingKey, type: event.type, payload: event.payload as object };
}

/** The ids of notification events reaching a consumer of its own on the system's bus. */
async function watchNotifications(t: TestSystem): Promise<{ seen: string[]; consumer: Consumer }> {
  const seen: string[] = [];
  const consumer = await t.system.bus.consume(
    { queue: `test.outbox.${randomUUID().slice(0, 8)}`, delivery: 'per-instance', routingKeys: ['notification.new'] },
    async (e) => void seen.push(e.eventId),
  );
  return { seen, consumer };
}
