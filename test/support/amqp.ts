import { randomBytes } from 'node:crypto';
import amqplib from 'amqplib';
import { ROUTING_KEYS } from '../../src/contract/routing-keys.js';
import { AMQP_URL } from './services.js';

export interface CapturedMessage {
  routingKey: string;
  body: Record<string, unknown>;
  properties: amqplib.MessageProperties;
}

/** Names unique to one test system, so suites never see each other's events. */
export function uniqueAmqpNames() {
  const id = randomBytes(4).toString('hex');
  return { exchange: `test.${id}.websocket.events.exchange`, notificationQueue: `test.${id}.notification.queue` };
}

/**
 * A plain amqplib consumer on its own queue bound to the exchange: what any other service
 * reading our events would see, independent of the code under test.
 */
export async function captureEvents(exchange: string, patterns: readonly string[] = ['#']) {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  for (const pattern of patterns) await channel.bindQueue(queue, exchange, pattern);
  const messages: CapturedMessage[] = [];
  await channel.consume(
    queue,
    (msg) => {
      if (!msg) return;
      messages.push({ routingKey: msg.fields.routingKey, body: parseBody(msg.content), properties: msg.properties });
    },
    { noAck: true },
  );
  return {
    messages,
    async close() {
      await connection.close().catch(() => {});
    },
  };
}

/**
 * The keys of the events the outbox and the worker publish, without the gateways' transient
 * `gateway.*` ones (presence every refresh, typing): a test about what the system commits binds
 * these, as the system's own consumers bind the keys they read.
 */
export const DURABLE_ROUTING_KEYS: readonly string[] = Object.values(ROUTING_KEYS);

/** Removes a test system's exchange and shared queue. */
export async function deleteAmqpNames(names: { exchange: string; notificationQueue: string }): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue(names.notificationQueue);
    await channel.deleteExchange(names.exchange);
  } finally {
    await connection.close().catch(() => {});
  }
}

function parseBody(content: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    return { unparsable: content.toString('utf8') };
  }
}
