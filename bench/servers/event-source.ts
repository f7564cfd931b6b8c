import amqplib from 'amqplib';

/** The broadcast baselines' environment, as the launcher sets it (the gateway reads its own config). */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

/**
 * Feeds a baseline server the bench's events the way the gateway consumes them: its own
 * exclusive queue bound to the exchange, prefetch 50 and an ack after the broadcast, so the
 * broker's part of the work is the same for every server compared.
 */
export async function consumeEvents(routingKey: string, broadcast: (body: Buffer) => void): Promise<void> {
  const connection = await amqplib.connect(requireEnv('AMQP_URL'));
  const channel = await connection.createChannel();
  const exchange = requireEnv('AMQP_EXCHANGE');
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, exchange, routingKey);
  await channel.prefetch(50);
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    broadcast(msg.content);
    channel.ack(msg);
  });
  process.once('SIGTERM', () => void connection.close().finally(() => process.exit(0)));
}
