import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import amqplib from 'amqplib';
import { ROUTING_KEYS } from '../../src/contract/routing-keys.js';
import type { NotificationEvent } from '../../src/contract/events.js';
import { AMQP_URL } from '../settings.js';

/** A topic exchange of the bench's own, so no test suite sharing the broker sees its traffic. */
export function benchExchangeName(): string {
  return `bench.${randomBytes(4).toString('hex')}.websocket.events.exchange`;
}

/**
 * Marks a payload with the load generator's clock; clients find `~t<ms>~` in whatever framing
 * the message reaches them (STOMP body, SockJS JSON string, Socket.IO packet) without parsing it.
 */
export function timeMarker(): string {
  return `~t${performance.now().toFixed(3)}~`;
}

/**
 * Publishes NotificationEvents to the bench exchange exactly as the outbox relay would (routing
 * key, `type`, `messageId`, persistent JSON): what the gateway consumes and what the baselines
 * broadcast. Web-STOMP subscribers read the same messages through `/exchange/<name>/<key>`.
 */
export class EventFeed {
  static readonly routingKey = ROUTING_KEYS.notification;

  private constructor(
    readonly exchange: string,
    private readonly connection: amqplib.ChannelModel,
    private readonly channel: amqplib.Channel,
  ) {}

  static async open(exchange: string): Promise<EventFeed> {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    return new EventFeed(exchange, connection, channel);
  }

  /** One event for `userId`, stamped now; resolves at once unless the channel's buffer is full. */
  async publish(userId: string): Promise<void> {
    const event: NotificationEvent = {
      eventId: randomUUID(),
      userId,
      notificationId: randomUUID(),
      type: 'BENCH',
      message: timeMarker(),
      timestamp: new Date().toISOString(),
    };
    const written = this.channel.publish(this.exchange, EventFeed.routingKey, Buffer.from(JSON.stringify(event)), {
      persistent: true,
      contentType: 'application/json',
      messageId: event.eventId,
      type: 'NotificationEvent',
    });
    if (!written) await once(this.channel, 'drain');
  }

  /** Closes the publisher and deletes the exchange, on a connection of its own: the publisher's may have died with a broker restart. */
  async close(): Promise<void> {
    await this.connection.close().catch(() => {});
    const connection = await amqplib.connect(AMQP_URL);
    try {
      await (await connection.createChannel()).deleteExchange(this.exchange);
    } finally {
      await connection.close().catch(() => {});
    }
  }
}
