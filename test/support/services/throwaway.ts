import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RabbitMqNode } from './rabbitmq-instance.js';

export interface ServicesRequest {
  postgres: boolean;
  rabbitmq: boolean;
  /** The bench's comparison: RabbitMQ's Web-STOMP plugin on the private node. */
  webStomp?: boolean;
}

export interface StartedServices {
  pgAdminUrl?: string;
  amqpUrl?: string;
  rabbitmq?: RabbitMqNode;
}

export interface ThrowawayServices extends StartedServices {
  /** Stops and removes everything; resolves once nothing of it is left. */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SUPERVISOR = fileURLToPath(new URL('./supervisor.ts', import.meta.url));

/**
 * Starts PostgreSQL and/or RabbitMQ for this process alone, on free ports in a temp folder.
 * They go away when `stop` is called, and also when this process ends in any other way: the
 * supervisor holding them notices its stdin close.
 */
export async function startThrowawayServices(request: ServicesRequest): Promise<ThrowawayServices> {
  const supervisor = spawn(process.execPath, ['--import', 'tsx', SUPERVISOR, JSON.stringify(request)], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(supervisor, 'exit');
  const [line] = await Promise.race([once(createInterface({ input: supervisor.stdout! }), 'line'), exited]);
  if (typeof line !== 'string') throw new Error('the test services did not start (the reason is printed above)');
  // Neither the supervisor nor its pipes keep this process alive.
  supervisor.unref();
  for (const stream of [supervisor.stdin, supervisor.stdout]) (stream as unknown as Socket).unref();
  return { ...(JSON.parse(line) as StartedServices), stop: () => stopSupervisor(supervisor, exited) };
}

async function stopSupervisor(supervisor: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (supervisor.exitCode === null && supervisor.signalCode === null) {
    supervisor.ref();
    supervisor.stdin!.end();
  }
  await exited;
}
