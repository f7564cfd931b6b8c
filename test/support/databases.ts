import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/persistence/database.js';
import type { DatabaseCapacity } from '../../src/config/config.js';
import { openEmbeddedDatabase } from '../../src/persistence/embedded-database.js';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { migrate } from '../../src/persistence/migrator.js';
import { PG_ADMIN_URL } from './services.js';

export type DatabaseKind = Database['kind'];

export interface TestDatabase {
  db: Database;
  /** PostgreSQL only: the URL of the throw-away database. */
  url?: string;
  dispose(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty, unmigrated PostgreSQL database, dropped by the returned function. */
export async function createScratchPostgres(prefix = 'p2p_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

/** An empty, unmigrated database of each kind, for tests of the migrations themselves. */
export const UNMIGRATED_DATABASES: [DatabaseKind, () => Promise<TestDatabase>][] = [
  [
    'embedded',
    async () => {
      const db = await openEmbeddedDatabase();
      return { db, dispose: () => db.close() };
    },
  ],
  [
    'postgres',
    async () => {
      const scratch = await createScratchPostgres();
      const db = await openPostgresDatabase({ url: scratch.url });
      return {
        db,
        url: scratch.url,
        dispose: async () => {
          await db.close();
          await scratch.drop();
        },
      };
    },
  ],
];

/** A migrated database of the given kind: in-memory PGlite, or a scratch PostgreSQL database. */
export async function createTestDatabase(kind: DatabaseKind, capacity?: DatabaseCapacity): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const db = await openEmbeddedDatabase(undefined, capacity);
    await migrate(db);
    return { db, dispose: () => db.close() };
  }
  const scratch = await createScratchPostgres();
  const db = await openPostgresDatabase({ url: scratch.url, capacity });
  await migrate(db);
  return {
    db,
    url: scratch.url,
    async dispose() {
      await db.close();
      await scratch.drop();
    },
  };
}
