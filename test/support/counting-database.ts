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
