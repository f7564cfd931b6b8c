import type { PrismaClient } from '../generated/prisma/client.js';
import type { ReadGate } from './read-gate.js';

/** A connection-bound SQL session, used where Prisma's query API does not fit (migrations). */
export interface SqlSession {
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * The database driver seam: the embedded PGlite and a PostgreSQL server both hand out a
 * Prisma client over the same schema, so everything above this layer is driver-agnostic.
 */
export interface Database {
  readonly kind: 'embedded' | 'postgres';
  readonly prisma: PrismaClient;
  /**
   * Every read a poll makes goes through here (`db.reads.run(() => db.prisma...)`), so reads
   * can never hold every connection and starve writes. Writes and the reads inside a write's
   * transaction or permission check use `prisma` directly.
   */
  readonly reads: ReadGate;
  /** Runs `work` inside one transaction on one connection; rolls back if it throws. */
  inSqlTransaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * One statement on the driver itself, without Prisma's per-query cost: for the hot read paths
   * (sync). Its own snapshot; no transaction.
   */
  query<Row>(sql: string | PreparedStatement, params?: unknown[]): Promise<Row[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A constant read that PostgreSQL parses and plans once per pooled connection, then only binds
 * and executes: for the sync's reads, whose parse and plan cost more than running them
 * (docs/benchmarks.md, "The fresh catch-up"). After five runs PostgreSQL may keep a generic plan,
 * made without the parameters' values (and with default sizes for array and LIMIT parameters), so
 * a prepared text must not have conditions that a value would switch off (`$1 IS NULL OR …`): the
 * generic plan cannot drop them and scans more. A pooler in between must keep prepared
 * statements (docs/operations.md, "Deployment"). Made by `prepared`.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const preparedNames = new Set<string>();

/**
 * One name per text in the process: a connection that prepared a name runs that text under it,
 * so a second text under the same name would fail only on the connections that had run the first.
 * Declared at module load, so a clash fails at start-up instead.
 */
export function prepared(name: string, text: string): PreparedStatement {
  if (preparedNames.has(name)) throw new Error(`prepared statement "${name}" is declared twice`);
  preparedNames.add(name);
  return { name, text };
}
