import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../../src/messaging/event-bus.js';
import { notificationEvent, type BusEvent } from '../../src/events/events.js';
import { createTestBus, type BusKind } from '../support/system.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
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
