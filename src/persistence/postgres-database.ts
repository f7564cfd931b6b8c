import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { defaultDatabaseCapacity, type DatabaseCapacity } from '../config/config.js';
import type { Database, PreparedStatement } from './database.js';
import { ReadGate } from './read-gate.js';

export interface PostgresOptions {
  url: string;
  capacity?: DatabaseCapacity;
}

export async function openPostgresDatabase({ url, capacity = defaultDatabaseCapacity() }: PostgresOptions): Promise<Database> {
  const { poolSize } = capacity;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // A backend killed by the server (failover, pg_terminate_backend) surfaces here on idle
  // clients; without a listener the pool's 'error' event would crash the process.
  pool.on('error', () => {});
  // The same event on a checked-out or just-discarded client has no pool listener: the error
  // reaches the caller through its query, so the event itself is only noise.
  pool.on('connect', (client) => client.on('error', () => {}));
  releaseDeadClients(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  // Readiness asks "is the database reachable", not "is a pool connection free": behind a busy
  // pool the check would time out, and a load balancer would drop every busy api at once.
  const probe = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2_000 });
  probe.on('error', () => {});

  return {
    kind: 'postgres',
    prisma,
    reads: new ReadGate(capacity.readConcurrency, capacity.readWaitMs),
    async inSqlTransaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          // Without parameters pg uses the simple query protocol, which accepts many statements.
          exec: async (sql) => void (await client.query(sql)),
          query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
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
    query: async <Row>(sql: string | PreparedStatement, params?: unknown[]) =>
      (await pool.query(typeof sql === 'string' ? { text: sql, values: params } : { ...sql, values: params })).rows as Row[],
    ping: async () => void (await probe.query('SELECT 1')),
    async close() {
      await prisma.$disconnect();
      // The adapter may already have ended the pool it was given; close() stays idempotent.
      if (!pool.ended) await pool.end();
      if (!probe.ended) await probe.end();
    },
  };
}

/**
 * A connection killed while checked out (pg_terminate_backend, a failover) must go back to the
 * pool as broken at once. The Prisma adapter releases a transaction's connection only through
 * commit/rollback, which it may never reach once the connection is dead: each such transaction
 * would leak one pool slot until the pool is exhausted and every request times out. Here a
 * checked-out client that errors or ends is released with the error (the pool discards it),
 * and the adapter's later release becomes a no-op.
 */
function releaseDeadClients(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | void;
  // pool.query() uses the callback form internally and releases its own clients.
  pool.connect = ((callback?: unknown) => (callback ? connect(callback) : (connect() as Promise<pg.PoolClient>).then(guard))) as typeof pool.connect;

  function guard(client: pg.PoolClient): pg.PoolClient {
    const release = client.release.bind(client);
    let released = false;
    const releaseOnce = (err?: Error | boolean) => {
      if (released) return;
      released = true;
      client.removeListener('error', onBroken);
      client.removeListener('end', onEnd);
      release(err);
    };
    const onBroken = (err: Error) => releaseOnce(err);
    const onEnd = () => releaseOnce(new Error('connection ended while checked out'));
    client.on('error', onBroken);
    client.on('end', onEnd);
    client.release = releaseOnce;
    return client;
  }
}
