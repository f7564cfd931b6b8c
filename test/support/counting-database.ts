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
  return {
    db: {
      kind: db.kind,
      prisma,
      reads: db.reads,
      inSqlTransaction: (work) => (n++, db.inSqlTransaction(work)),
      query: (sql, params) => (n++, db.query(sql, params)),
      ping: () => (n++, db.ping()),
      close: () => db.close(),
    },
    count: () => n,
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
