import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { startSystem, type System } from '../../src/app/system.js';
import { AMQP_URL, JWT_SECRET, METRICS_TOKEN } from './services.js';
import { silentLogger, startTestSystem, type DriverSet, type TestSystem } from './system.js';

export interface Listening {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  server: Server;
}

/** Serves a system's REST app and gateway on one ephemeral port, as `npm start` does. */
export async function listen(system: System): Promise<Listening> {
  const server = createServer(system.handler);
  if (!system.gateway) throw new Error(`role ${system.role} runs no gateway`);
  system.gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function stopListening(server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}

export interface GatewayTestSystem extends TestSystem, Listening {}

/** A role-`all` test system listening on a port; `env` tunes the gateway (GATEWAY_*). */
export async function startGatewayTestSystem(drivers: Pick<DriverSet, 'db' | 'bus'>, env: Record<string, string> = {}): Promise<GatewayTestSystem> {
  const t = await startTestSystem(drivers, { env });
  const listening = await listen(t.system);
  return {
    ...t,
    ...listening,
    async close() {
      await t.close();
      await stopListening(listening.server);
    },
  };
}

/**
 * A separate role-`gateway` process (production style: its own PostgreSQL connection and its
 * own RabbitMQ connection) on the same database and exchange as `first`.
 */
export async function startSecondGateway(first: TestSystem, env: Record<string, string> = {}): Promise<Listening & { system: System; close(): Promise<void> }> {
  if (!first.database.url) throw new Error('a second gateway needs the first system on PostgreSQL');
  const config = loadConfig('gateway', {
    DATABASE_URL: first.database.url,
    AMQP_URL,
    AMQP_EXCHANGE: first.amqp.exchange,
    JWT_SECRET,
    METRICS_TOKEN,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const system = await startSystem({ ...config, jwtSecret: JWT_SECRET }, silentLogger, { relay: { pollIntervalMs: 100, retryDelayMs: 100 } });
  const listening = await listen(system);
  return {
    ...listening,
    system,
    async close() {
      await system.close();
      await stopListening(listening.server);
    },
  };
}

/** A user id no other test uses, so connection limits and user topics never overlap. */
export function uniqueUser(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}
