import assert from 'node:assert/strict';
import amqplib from 'amqplib';
import { RabbitMqBus } from '../../src/messaging/rabbitmq-bus.js';
import { AMQP_URL } from '../support/services.js';
import { silentLogger } from '../support/system.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { sleep } from '../support/eventually.js';

/** Whether a queue exists, asked passively (a missing queue closes only the probe's channel). */
async function queueExists(name: string): Promise<boolean> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return await channel.checkQueue(name).then(
      () => true,
      () => false,
    );
  } finally {
    await connection.close().catch(() => {});
  }
}

describe('RabbitMQ per-instance queues', () => {
  const names = uniqueAmqpNames();
  after(() => deleteAmqpNames(names).catch(() => {}));

  const bus = (instanceId: string) => new RabbitMqBus({ url: AMQP_URL, exchange: names.exchange, logger: silentLogger, instanceId, instanceQueueTtlMs: 1_000 });

  it('are deleted at once when the instance cancels its consumer', async () => {
    const b = bus('graceful');
    const consumer = await b.consume({ queue: 'test.gw', delivery: 'per-instance', routingKeys: ['#'] }, async () => {});
    assert.equal(await queueExists('test.gw.graceful'), true);
    await consumer.cancel();
    assert.equal(await queueExists('test.gw.graceful'), false);
    await b.close();
  });

  it('outlive a vanished instance only until x-expires', async () => {
    const b = bus('crashed');
    await b.consume({ queue: 'test.gw', delivery: 'per-instance', routingKeys: ['#'] }, async () => {});
    // A crash: the connection goes away without cancelling anything.
    await (b as unknown as { connection: { close(): Promise<void> } }).connection.close();
    assert.equal(await queueExists('test.gw.crashed'), true, 'kept for a reconnect');
    // Not polled: a passive declare counts as use and would renew the lease.
    await sleep(3_000);
    assert.equal(await queueExists('test.gw.crashed'), false);
  });
});
