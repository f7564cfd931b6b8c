import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { isEventType, type BusEvent } from '../events/events.js';
import { parseEvent } from '../events/event-schemas.js';
import type { Consumer, ConsumerSpec, EventBus, EventHandler } from './event-bus.js';
import { OutageLog } from '../observability/outage-log.js';

export interface RabbitMqBusOptions {
  url: string;
  exchange: string;
  logger: Logger;
  /** A publish not confirmed within this time fails (the outbox retries it later). */
  publishTimeoutMs?: number;
  /** Wait before a failed event is handed back to the queue for another try. */
  retryDelayMs?: number;
  /** Suffix of per-instance queue names; unique per process by default. */
  instanceId?: string;
  /** How long a per-instance queue outlives its consumer (a crashed instance's queue goes then). */
  instanceQueueTtlMs?: number;
}

/**
 * RabbitMQ driver on amqp-connection-manager, which reconnects after a broker restart and
 * re-runs each channel's setup (exchange, queue, bindings, consumer) on the new connection.
 * Publishing uses a confirm channel: publish() resolves only once the broker has the event.
 */
export class RabbitMqBus implements EventBus {
  readonly kind = 'rabbitmq';
  readonly instanceId: string;
  private readonly connection: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly consumers = new Set<Consumer>();
  /** Whether the first connection attempt succeeded. */
  private readonly firstAttempt: Promise<boolean>;

  constructor(private readonly options: RabbitMqBusOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.connection = amqp.connect([options.url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: `p2p-${this.instanceId}` } },
    });
    // It retries every second: the log says when that starts and ends, not every attempt.
    const outage = new OutageLog(options.logger, 'RabbitMQ');
    this.connection.on('connect', () => outage.up());
    this.connection.on('disconnect', ({ err }) => outage.down(err));
    this.connection.on('connectFailed', ({ err }) => outage.down(err));
    this.firstAttempt = new Promise((resolve) => {
      this.connection.once('connect', () => resolve(true));
      this.connection.once('connectFailed', () => resolve(false));
    });
    this.publisher = this.connection.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: options.publishTimeoutMs ?? 5_000,
      setup: (ch: Channel) => this.assertExchange(ch),
    });
  }

  async publish(event: BusEvent): Promise<void> {
    await this.send(event, true);
  }

  async publishTransient(event: BusEvent): Promise<void> {
    // amqp-connection-manager would hold it until the broker is back, when it is stale.
    if (!this.connection.isConnected()) throw new Error('RabbitMQ is not connected');
    await this.send(event, false);
  }

  private async send(event: BusEvent, persistent: boolean): Promise<void> {
    await this.publisher.publish(this.options.exchange, event.routingKey, Buffer.from(JSON.stringify(event.payload)), {
      persistent,
      contentType: 'application/json',
      messageId: event.eventId,
      type: event.type,
      timestamp: Math.floor(Date.now() / 1000),
    });
  }

  async consume(spec: ConsumerSpec, handler: EventHandler): Promise<Consumer> {
    const queue = spec.delivery === 'shared' ? spec.queue : `${spec.queue}.${this.instanceId}`;
    let current: Channel | undefined;
    const channel = this.connection.createChannel({
      name: `consumer:${queue}`,
      setup: async (ch: Channel) => {
        current = ch;
        await this.assertExchange(ch);
        // A per-instance queue is durable and expires unused rather than being auto-deleted:
        // it then survives a broker restart, so events the outbox publishes right after the
        // restart wait for this instance instead of being dropped before it re-subscribes.
        await ch.assertQueue(
          queue,
          spec.delivery === 'shared' ? { durable: true } : { durable: true, arguments: { 'x-expires': this.options.instanceQueueTtlMs ?? 60_000 } },
        );
        for (const key of spec.routingKeys) await ch.bindQueue(queue, this.options.exchange, key);
        await ch.prefetch(spec.prefetch ?? 50);
        await ch.consume(queue, (msg) => msg && void this.deliver(ch, msg, handler));
        // A lost connection closes its channels too; the next connection runs this setup again.
        ch.on('close', () => current === ch && spec.onStateChange?.(false));
        spec.onStateChange?.(true);
      },
    });
    const consumer: Consumer = {
      cancel: async () => {
        this.consumers.delete(consumer);
        // Going away on purpose: remove our queue now instead of letting it expire.
        if (spec.delivery === 'per-instance') await current?.deleteQueue(queue).catch(() => {});
        await channel.close();
      },
    };
    this.consumers.add(consumer);
    // Connected: the consumer is bound when this resolves. Broker unreachable: the role starts
    // anyway (not ready in /readyz) and the channel binds itself once the broker answers.
    if ((await this.firstAttempt) || this.connection.isConnected()) await channel.waitForConnect();
    return consumer;
  }

  isReady(): boolean {
    return this.connection.isConnected();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.cancel()));
    await this.publisher.close();
    await this.connection.close();
  }

  private async assertExchange(ch: Channel): Promise<void> {
    await ch.assertExchange(this.options.exchange, 'topic', { durable: true });
  }

  private async deliver(ch: Channel, msg: ConsumeMessage, handler: EventHandler): Promise<void> {
    const event = decode(msg);
    if (!event) {
      // Retrying cannot fix a body that is not an event: log it and drop it.
      this.options.logger.error({ routingKey: msg.fields.routingKey, messageId: msg.properties.messageId }, 'dropping undecodable event');
      ch.ack(msg);
      return;
    }
    try {
      await handler(event);
      ch.ack(msg);
    } catch (err) {
      this.options.logger.warn({ err, eventId: event.eventId }, 'event handler failed; will redeliver');
      setTimeout(() => {
        // The channel may have died meanwhile; the broker then redelivers by itself.
        try {
          ch.nack(msg, false, true);
        } catch {
          /* channel closed */
        }
      }, this.options.retryDelayMs ?? 1_000);
    }
  }
}

function decode(msg: ConsumeMessage): BusEvent | undefined {
  const type: unknown = msg.properties.type;
  if (!isEventType(type)) return undefined;
  try {
    const messageId: unknown = msg.properties.messageId;
    return parseEvent(type, msg.fields.routingKey, JSON.parse(msg.content.toString('utf8')), typeof messageId === 'string' ? messageId : undefined);
  } catch {
    return undefined;
  }
}
