import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../src/messaging/event-bus.js';
import { notificationEvent, typingEvent, type BusEvent } from '../../src/events/events.js';
import { createTestBus, type BusKind } from '../support/system.js';
import { captureEvents, deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { freePort } from '../support/ports.js';
import { eventually, sleep } from '../support/eventually.js';

function event(message = 'hello'): BusEvent {
  return notificationEvent({
    eventId: randomUUID(),
    userId: 'u1',
    notificationId: randomUUID(),
    type: 'TEST',
    message,
    timestamp: new Date().toISOString(),
  });
}

// The same contract for both drivers: what the gateway and the worker rely on.
for (const kind of ['in-process', 'rabbitmq'] as BusKind[]) {
  describe(`event bus contract [${kind}]`, () => {
    let names: ReturnType<typeof uniqueAmqpNames>;
    let buses: EventBus[];
    const bus = () => {
      const b = createTestBus(kind, names.exchange);
      buses.push(b);
      return b;
    };
    // The in-process bus is one process: every "instance" shares it.
    const instances = (n: number) => (kind === 'in-process' ? Array(n).fill(bus()) : Array.from({ length: n }, bus)) as EventBus[];

    beforeEach(() => {
      names = uniqueAmqpNames();
      buses = [];
    });
    afterEach(async () => {
      await Promise.all(buses.map((b) => b.close()));
      if (kind === 'rabbitmq') await deleteAmqpNames(names).catch(() => {});
    });

    it('routes by routing key and delivers the payload, type and id unchanged', async () => {
      const [b] = instances(1);
      const got: BusEvent[] = [];
      await b!.consume({ queue: 'q', delivery: 'per-instance', routingKeys: ['notification.*'] }, async (e) => void got.push(e));
      const sent = event('Xin chào 👋');
      await b!.publish(sent);
      await b!.publish({ ...event(), routingKey: 'other.key' } as BusEvent);
      await eventually(() => assert.equal(got.length, 1));
      assert.deepEqual(got[0], sent);
      await sleep(100);
      assert.equal(got.length, 1, 'the unbound key was not delivered');
    });

    it('hands each event to every per-instance consumer', async () => {
      const [a, b] = instances(2);
      const gotA: string[] = [];
      const gotB: string[] = [];
      await a!.consume({ queue: 'gw', delivery: 'per-instance', routingKeys: ['#'] }, async (e) => void gotA.push(e.eventId));
      await b!.consume({ queue: 'gw', delivery: 'per-instance', routingKeys: ['#'] }, async (e) => void gotB.push(e.eventId));
      const sent = [event(), event(), event()];
      for (const e of sent) await a!.publish(e);
      await eventually(() => {
        assert.deepEqual(
          gotA,
          sent.map((e) => e.eventId),
        );
        assert.deepEqual(
          gotB,
          sent.map((e) => e.eventId),
        );
      });
    });

    it('hands each event to one consumer of a shared queue', async () => {
      const [a, b] = instances(2);
      const got: string[] = [];
      await a!.consume({ queue: names.notificationQueue, delivery: 'shared', routingKeys: ['#'] }, async (e) => void got.push(e.eventId));
      await b!.consume({ queue: names.notificationQueue, delivery: 'shared', routingKeys: ['#'] }, async (e) => void got.push(e.eventId));
      const sent = Array.from({ length: 10 }, () => event());
      for (const e of sent) await a!.publish(e);
      await eventually(() => assert.equal(got.length, 10));
      await sleep(100);
      assert.deepEqual([...got].sort(), sent.map((e) => e.eventId).sort());
    });

    it('redelivers an event whose handler failed', async () => {
      const [b] = instances(1);
      let attempts = 0;
      await b!.consume({ queue: 'retry', delivery: 'per-instance', routingKeys: ['#'] }, async () => {
        attempts++;
        if (attempts < 3) throw new Error('transient');
      });
      await b!.publish(event());
      await eventually(() => assert.equal(attempts, 3));
    });

    it('hands a transient event, also one whose shape has no eventId, to every per-instance consumer', async () => {
      const [a, b] = instances(2);
      const got: BusEvent[][] = [[], []];
      await a!.consume({ queue: 'gw', delivery: 'per-instance', routingKeys: ['gateway.*'] }, async (e) => void got[0]!.push(e));
      await b!.consume({ queue: 'gw', delivery: 'per-instance', routingKeys: ['gateway.*'] }, async (e) => void got[1]!.push(e));
      const sent = typingEvent({ tradeId: randomUUID(), userId: 'u1', at: new Date().toISOString() });
      await a!.publishTransient(sent);
      await eventually(() => assert.deepEqual(got, [[sent], [sent]]));
    });

    it('refuses a transient event at once when the bus cannot take it now (closed, or the broker unreachable)', async () => {
      const unreachable = kind === 'in-process' ? bus() : createTestBus(kind, names.exchange, `amqp://guest:guest@127.0.0.1:${await freePort()}`);
      if (kind === 'in-process') await unreachable.close();
      else buses.push(unreachable);
      const started = Date.now();
      await assert.rejects(unreachable.publishTransient(event()));
      assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
    });

    it('stops delivering after cancel', async () => {
      const [b] = instances(1);
      const got: string[] = [];
      const consumer = await b!.consume({ queue: 'c', delivery: 'per-instance', routingKeys: ['#'] }, async (e) => void got.push(e.eventId));
      await b!.publish(event());
      await eventually(() => assert.equal(got.length, 1));
      await consumer.cancel();
      await b!.publish(event());
      await sleep(150);
      assert.equal(got.length, 1);
    });
  });
}

describe('event bus on RabbitMQ: transient events', () => {
  it('are not persistent, and carry their id as the message id', async () => {
    const names = uniqueAmqpNames();
    const bus = createTestBus('rabbitmq', names.exchange);
    const capture = await captureEvents(names.exchange);
    try {
      const sent = typingEvent({ tradeId: randomUUID(), userId: 'u1', at: new Date().toISOString() });
      await bus.publishTransient(sent);
      await bus.publish(event());
      await eventually(() => assert.equal(capture.messages.length, 2));
      const [transient, durable] = capture.messages;
      assert.notEqual(transient!.properties.deliveryMode, 2);
      assert.equal(transient!.properties.messageId, sent.eventId);
      assert.equal(durable!.properties.deliveryMode, 2);
    } finally {
      await capture.close();
      await bus.close();
      await deleteAmqpNames(names).catch(() => {});
    }
  });
});
