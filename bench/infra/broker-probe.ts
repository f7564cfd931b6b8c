import { performance } from 'node:perf_hooks';
import amqplib from 'amqplib';
import { Samples } from '../load/samples.js';
import { AMQP_URL } from '../settings.js';

const MARKER = /~t([0-9.]+)~/;

/**
 * A plain AMQP consumer on the bench exchange that times each event's arrival against the
 * marker in it: splits an end-to-end latency into "until the event is on the broker" (api,
 * database, outbox relay) and the rest (gateway, sockets, clients).
 */
export class BrokerProbe {
  samples = new Samples(1024);

  private constructor(private readonly connection: amqplib.ChannelModel) {}

  static async open(exchange: string, routingKey: string): Promise<BrokerProbe> {
    const connection = await amqplib.connect(AMQP_URL);
    const probe = new BrokerProbe(connection);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, routingKey);
    await channel.consume(
      queue,
      (msg) => {
        const match = msg && MARKER.exec(msg.content.toString('utf8'));
        if (match) probe.samples.add(performance.now() - Number(match[1]));
      },
      { noAck: true },
    );
    return probe;
  }

  /** The samples so far, and a fresh store for the next run. */
  take(): Samples {
    const taken = this.samples;
    this.samples = new Samples(1024);
    return taken;
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => {});
  }
}
