import { PRIVATE_RABBITMQ } from './services.js';
import { killRabbitMqNode, rabbitmqctl, startRabbitMqNode, type RabbitMqNode } from './services/rabbitmq-instance.js';

/**
 * Suites that stop or kill the broker call this in `before`: they run only against the broker
 * this test run started, never against one named by TEST_AMQP_URL (it may be somebody else's).
 */
export function skipUnlessPrivateBroker(context: Mocha.Context): void {
  if (PRIVATE_RABBITMQ) return;
  console.log('      skipped: TEST_AMQP_URL names a broker this run did not start, and it is never stopped or killed');
  context.skip();
}

function privateBroker(): RabbitMqNode {
  if (!PRIVATE_RABBITMQ) throw new Error('no private RabbitMQ: call skipUnlessPrivateBroker in before()');
  return PRIVATE_RABBITMQ;
}

/**
 * Stops the run's RabbitMQ (the Erlang node stays up, the broker goes away as for its clients)
 * for the duration of `whileDown`, and always starts it again, even on failure.
 */
export async function withRabbitMqStopped<T>(whileDown: () => Promise<T>): Promise<T> {
  const node = privateBroker();
  await rabbitmqctl(node, 'stop_app');
  try {
    return await whileDown();
  } finally {
    await rabbitmqctl(node, 'start_app');
  }
}

/**
 * Crashes the run's RabbitMQ (SIGKILL of its Erlang VM: sockets reset, nothing flushed) for the
 * duration of `whileDown`, then boots it again on the same data, as a supervisor would.
 */
export async function withRabbitMqKilled<T>(whileDown: () => Promise<T>): Promise<T> {
  const node = privateBroker();
  await killRabbitMqNode(node);
  try {
    return await whileDown();
  } finally {
    await startRabbitMqNode(node);
  }
}

/** The two ways the suites take the broker away, for tests that must survive both. */
export const BROKER_OUTAGES = [
  { name: 'stopped', during: withRabbitMqStopped },
  { name: 'killed (SIGKILL)', during: withRabbitMqKilled },
] as const;
