import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from './database.js';

export const MIGRATIONS_DIR = new URL('../../prisma/migrations/', import.meta.url).pathname;

// Same key as Prisma's schema engine, so this and `prisma migrate deploy` never run at once.
const MIGRATION_LOCK_KEY = 72707369;

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies `prisma/migrations` in order, recording them in `_prisma_migrations` the way
 * `prisma migrate deploy` does (so `prisma migrate status` agrees). It runs in-process on
 * both drivers, which the Prisma CLI cannot do for an embedded or in-memory database, and
 * all pending migrations commit together or not at all.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  return db.inSqlTransaction(async (s) => {
    await s.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await s.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const applied = await s.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL',
    );
    const appliedByName = new Map(applied.map((row) => [row.migration_name, row.checksum]));
    const done: string[] = [];
    for (const m of migrations) {
      const checksum = appliedByName.get(m.name);
      if (checksum !== undefined) {
        if (checksum !== m.checksum) {
          throw new Error(`migration ${m.name} was edited after it was applied (checksum differs)`);
        }
        continue;
      }
      await s.exec(m.sql);
      await s.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      done.push(m.name);
    }
    return done;
  });
}
