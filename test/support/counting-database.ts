import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { Database } from '../../src/persistence/database.js';

/** The same database behind a seam that counts every statement or Prisma operation sent through it. */
export function countingDatabase(db: Database): { db: Database; count: () => number } {
  let n = 0;
  const prisma = db.prisma.$extends({
    query: {
      $allOperations({ args, query }) {
        n++;
        return query(args);
      },
    },
  }) as unknown as PrismaClient;
  return { db: databaseWith(db, prisma, () => n++), count: () => n };
}

/**
 * `db` with another Prisma client (one a test has extended with a hook), `onStatement` called
 * before each raw statement, transaction and ping: the seam the counting and interleaving
 * wrappers of the suites share.
 */
export function databaseWith(db: Database, prisma: PrismaClient, onStatement: () => void = () => {}): Database {
  return {
    kind: db.kind,
    prisma,
    reads: db.reads,
    inSqlTransaction: (work) => (onStatement(), db.inSqlTransaction(work)),
    query: (sql, params) => (onStatement(), db.query(sql, params)),
    ping: () => (onStatement(), db.ping()),
    close: () => db.close(),
  };
}

/** A `wrapDatabase` for startTestSystem that counts, and the count so far (0 until the system starts). */
export function queryCounter(): { wrapDatabase: (db: Database) => Database; count: () => number } {
  let counted: (() => number) | undefined;
  return {
    wrapDatabase: (db) => {
      const counting = countingDatabase(db);
      counted = counting.count;
      return counting.db;
    },
    count: () => counted?.() ?? 0,
  };
}

/** Until nothing (outbox clean-up, the notification worker) has touched the database for a second, which a busy machine needs. */
export async function quiet(count: () => number): Promise<void> {
  let last = -1;
  while (last !== count()) {
    last = count();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
