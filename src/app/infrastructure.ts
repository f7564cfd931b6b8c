import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Database } from '../persistence/database.js';
import { openEmbeddedDatabase } from '../persistence/embedded-database.js';
import { openPostgresDatabase } from '../persistence/postgres-database.js';
import { migrate } from '../persistence/migrator.js';
import { assertFolderFree } from '../persistence/folder-users.js';
import type { EventBus } from '../messaging/event-bus.js';
import { InProcessBus } from '../messaging/in-process-bus.js';
import { RabbitMqBus } from '../messaging/rabbitmq-bus.js';

/** DATABASE_URL set: PostgreSQL (migrated by `npm run db:migrate`); unset: embedded, migrated here. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'database'>, logger: Logger): Promise<Database> {
  if (config.databaseUrl) return openPostgresDatabase({ url: config.databaseUrl, capacity: config.database });
  const dir = join(config.dataDir, 'pglite');
  assertFolderFree(dir);
  const db = await openEmbeddedDatabase(dir, config.database);
  const applied = await migrate(db);
  logger.info({ dir, applied }, 'embedded database ready');
  return db;
}

/** AMQP_URL set: RabbitMQ; unset: the in-process bus (every role must then share this process). */
export function createEventBus(config: Pick<Config, 'amqpUrl' | 'amqp'>, logger: Logger): EventBus {
  if (!config.amqpUrl) return new InProcessBus();
  return new RabbitMqBus({ url: config.amqpUrl, exchange: config.amqp.exchange, logger: logger.child({ component: 'rabbitmq' }) });
}
