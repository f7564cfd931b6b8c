import supertest from 'supertest';
import { pino, type Logger } from 'pino';
import { loadConfig, type Role } from '../../src/config/config.js';
import { startSystem, type System } from '../../src/app/system.js';
import { issueToken } from '../../src/auth/jwt.js';
import { InProcessBus } from '../../src/messaging/in-process-bus.js';
import { RabbitMqBus } from '../../src/messaging/rabbitmq-bus.js';
import type { EventBus } from '../../src/messaging/event-bus.js';
import type { OutboxRelayOptions } from '../../src/messaging/outbox-relay.js';
import type { Database } from '../../src/persistence/database.js';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';
import { deleteAmqpNames, uniqueAmqpNames } from './amqp.js';
import { AMQP_URL, JWT_SECRET, TRANSCRIPT_SIGNING_KEY } from './services.js';

export type BusKind = EventBus['kind'];

export interface DriverSet {
  name: string;
  db: DatabaseKind;
  bus: BusKind;
}

/**
 * The feature suites run once per driver set: the embedded defaults (what `npm start` uses)
 * and the production pair (what the separate roles use).
 */
export const DRIVER_SETS: DriverSet[] = [
  { name: 'embedded + in-process', db: 'embedded', bus: 'in-process' },
  { name: 'postgres + rabbitmq', db: 'postgres', bus: 'rabbitmq' },
];

export const silentLogger = pino({ level: 'silent' });

export function createTestBus(kind: BusKind, exchange: string, url = AMQP_URL): EventBus {
  return kind === 'in-process' ? new InProcessBus(50) : new RabbitMqBus({ url, exchange, logger: silentLogger, retryDelayMs: 50, publishTimeoutMs: 1_000 });
}

export interface TestSystem {
  system: System;
  database: TestDatabase;
  amqp: { exchange: string; notificationQueue: string };
  http: ReturnType<typeof supertest>;
  token(userId: string, options?: { admin?: boolean; expiresIn?: string }): string;
  /** Authorization header value for a user. */
  auth(userId: string, options?: { admin?: boolean }): string;
  close(): Promise<void>;
}

export interface TestSystemOptions {
  role?: Role;
  env?: Record<string, string>;
  amqpUrl?: string;
  /**
   * Another process's view of a PostgreSQL database and exchange (its own pool and connection);
   * the caller drops them.
   */
  shared?: { databaseUrl: string; amqp: { exchange: string; notificationQueue: string } };
  /** Replaces the database handle the system gets (e.g. one that counts queries). */
  wrapDatabase?: (db: Database) => Database;
  relay?: OutboxRelayOptions;
  /** Where the system logs; silent unless a test reads the lines. */
  logger?: Logger;
}

export async function startTestSystem(drivers: Pick<DriverSet, 'db' | 'bus'>, options: TestSystemOptions = {}): Promise<TestSystem> {
  const amqp = options.shared?.amqp ?? uniqueAmqpNames();
  const config = loadConfig(options.role ?? 'all', {
    LOG_LEVEL: 'silent',
    CHAT_RATE_LIMIT_PER_MINUTE: '100000',
    READ_RATE_LIMIT_PER_MINUTE: '100000',
    TRADE_OPEN_RATE_LIMIT_PER_MINUTE: '100000',
    TRADE_OPEN_PAIR_RATE_LIMIT_PER_MINUTE: '100000',
    // The test's own clients, and PGlite's queries, share the server's event loop here: their lag
    // is not the server's overload. Suites about shedding set it back (test/overload).
    OVERLOAD_EVENT_LOOP_LAG_MS: '60000',
    AMQP_NOTIFICATION_QUEUE: amqp.notificationQueue,
    TRANSCRIPT_SIGNING_KEY,
    ...options.env,
  });
  const database: TestDatabase = options.shared
    ? {
        db: await openPostgresDatabase({ url: options.shared.databaseUrl, capacity: config.database }),
        url: options.shared.databaseUrl,
        dispose: async () => {},
      }
    : await createTestDatabase(drivers.db, config.database);
  const bus = createTestBus(drivers.bus, amqp.exchange, options.amqpUrl);
  const system = await startSystem({ ...config, jwtSecret: JWT_SECRET }, options.logger ?? silentLogger, {
    db: options.wrapDatabase ? options.wrapDatabase(database.db) : database.db,
    bus,
    relay: options.relay ?? { pollIntervalMs: 100, retryDelayMs: 100 },
  });
  const token = (userId: string, opts: { admin?: boolean; expiresIn?: string } = {}) => issueToken(JWT_SECRET, userId, opts);
  return {
    system,
    database,
    amqp,
    http: supertest(system.handler),
    token,
    auth: (userId, opts) => `Bearer ${token(userId, opts)}`,
    async close() {
      await system.close();
      if (options.shared) return;
      await database.dispose();
      if (drivers.bus === 'rabbitmq') await deleteAmqpNames(amqp).catch(() => {});
    },
  };
}

/** Opens a trade between two users over REST and returns its id. */
export async function openTrade(t: TestSystem, buyer: string, seller: string): Promise<string> {
  const res = await t.http
    .post('/p2p/trades')
    .set('Authorization', t.auth(buyer))
    .send({ sellerId: seller, amount: '250.5', asset: 'USDT', fiat: 'VND' })
    .expect(201);
  return res.body.id as string;
}
