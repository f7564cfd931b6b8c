import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { defaultDatabaseCapacity, type DatabaseCapacity } from '../config/config.js';
import type { Database, PreparedStatement, SqlSession } from './database.js';
import { ReadGate } from './read-gate.js';

/**
 * PostgreSQL compiled to WebAssembly, in this process: `npm start` needs no database server.
 * `dataDir` undefined keeps everything in memory (tests). It has one connection, so the read
 * bound is what keeps a write from queueing behind a whole storm of polls.
 */
export async function openEmbeddedDatabase(dataDir?: string, capacity: DatabaseCapacity = defaultDatabaseCapacity()): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite(dataDir);
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });

  return {
    kind: 'embedded',
    prisma,
    reads: new ReadGate(capacity.readConcurrency, capacity.readWaitMs),
    inSqlTransaction: (work) =>
      pglite.transaction((tx) => {
        const session: SqlSession = {
          // PGlite's exec takes many statements in one call; a prepared query would not.
          exec: async (sql) => void (await tx.exec(sql)),
          query: async <Row>(sql: string, params?: unknown[]) => (await tx.query<Row>(sql, params)).rows,
        };
        return work(session);
      }),
    // PGlite's query takes no statement name: the text is parsed and planned on each run.
    query: async <Row>(sql: string | PreparedStatement, params?: unknown[]) => (await pglite.query<Row>(typeof sql === 'string' ? sql : sql.text, params)).rows,
    ping: async () => void (await pglite.query('SELECT 1')),
    async close() {
      await prisma.$disconnect();
      // $disconnect leaves PGlite open; closing it flushes the data folder.
      if (!pglite.closed) await pglite.close();
    },
  };
}
