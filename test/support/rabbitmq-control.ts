import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Stops the machine's RabbitMQ (the Erlang node stays up, the broker goes away as for its
 * clients) for the duration of `whileDown`, and always starts it again, even on failure.
 */
export async function withRabbitMqStopped<T>(whileDown: () => Promise<T>): Promise<T> {
  await run('rabbitmqctl', ['stop_app'], { timeout: 60_000 });
  try {
    return await whileDown();
  } finally {
    await run('rabbitmqctl', ['start_app'], { timeout: 60_000 });
  }
}
