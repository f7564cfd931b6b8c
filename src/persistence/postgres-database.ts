import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Database } from './database.js';

export interface PostgresOptions {
  url: string;
  poolSize?: number;
}

export async function openPostgresDatabase({ url, poolSize = 10 }: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // A backend killed by the server (failover, pg_terminate_backend) surfaces here on idle
  // clients; without a listener the pool's 'error' event would crash the process.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });

  return {
    kind: 'postgres',
    prisma,
    async inSqlTransaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          // Without parameters pg uses the simple query protocol, which accepts many statements.
          exec: async (sql) => void (await client.query(sql)),
          query: async <Row>(sql: string, params?: unknown[]) =>
            (await client.query(sql, params)).rows as Row[],
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    ping: async () => void (await pool.query('SELECT 1')),
    async close() {
      await prisma.$disconnect();
      // The adapter may already have ended the pool it was given; close() stays idempotent.
      if (!pool.ended) await pool.end();
    },
  };
}
