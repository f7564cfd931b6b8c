import assert from 'node:assert/strict';
import express from 'express';
import supertest from 'supertest';
import { pino } from 'pino';
import { errorHandler } from '../../src/http/errors.js';
import { Unavailable } from '../../src/http/unavailable.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { ReadCapacityError } from '../../src/persistence/read-gate.js';
import { databaseOutage } from '../../src/persistence/driver-errors.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { BUSY, NEITHER, UNREACHABLE } from '../support/database-errors.js';
import { DRIVER_SETS } from '../support/system.js';

/** An app whose one route fails with `err`, answered by the API's own error handler. */
function failingWith(err: unknown) {
  const metrics = createMetrics('api');
  const app = express();
  app.get('/fail', () => {
    throw err;
  });
  app.use(errorHandler(pino({ level: 'silent' }), new Unavailable(3, metrics.unavailableResponses)));
  const count = async (cause: string) => (await metrics.unavailableResponses.get()).values.find((v) => v.labels.cause === cause)?.value ?? 0;
  return { http: supertest(app), count };
}

describe('503 with Retry-After for every pool, transaction-start or connection failure', () => {
  const cases: [string, unknown, string][] = [
    ...BUSY.map(([name, err]): [string, unknown, string] => [name, err, 'database_busy']),
    ...UNREACHABLE.map(([name, err]): [string, unknown, string] => [name, err, 'database_unreachable']),
    ['a read that waited its whole allowance for the read gate', new ReadCapacityError(1_000), 'read_capacity'],
  ];
  for (const [name, err, cause] of cases) {
    it(`${name}: 503, Retry-After, counted as ${cause}`, async () => {
      const { http, count } = failingWith(err);
      const res = await http.get('/fail').expect(503);
      assert.equal(res.headers['retry-after'], '3');
      assert.equal(res.body.error, 'unavailable');
      assert.equal(typeof res.body.message, 'string');
      assert.equal(await count(cause), 1);
    });
  }

  for (const [name, err] of NEITHER) {
    it(`${name}: still a 500, not hidden as a 503`, async () => {
      const res = await failingWith(err).http.get('/fail').expect(500);
      assert.equal(res.headers['retry-after'], undefined);
    });
  }
});

// The same classification for the errors Prisma really throws, not only for their recorded shapes.
for (const kind of new Set(DRIVER_SETS.map((d) => d.db))) {
  describe(`real transaction timeouts are "busy" [${kind}]`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(kind, { poolSize: 2, readConcurrency: 1, readWaitMs: 1_000 });
    });
    after(() => database.dispose());

    it('P2028 when no transaction can start within maxWait', async () => {
      const { prisma } = database.db;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // Two open transactions hold the whole pool (PGlite has one connection: the first does).
      const holders = [1, 2].map(() => prisma.$transaction(() => held, { timeout: 10_000 }).catch(() => {}));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const late = prisma
        .$transaction(async (tx) => tx.trade.count(), { maxWait: 100 })
        .then(
          () => assert.fail('the transaction started'),
          (e: unknown) => e,
        );
      // A connection comes free after maxWait (and before the pool's own 5 s checkout timeout).
      await new Promise((resolve) => setTimeout(resolve, 500));
      release();
      await Promise.all(holders);
      const err = await late;
      assert.equal((err as { code?: string }).code, 'P2028', String(err));
      assert.equal(databaseOutage(err), 'busy');
    });

    it('P2028 when a transaction outlives its timeout', async () => {
      const err = await database.db.prisma
        .$transaction(
          async (tx) => {
            await new Promise((resolve) => setTimeout(resolve, 300));
            return tx.trade.count();
          },
          { timeout: 50 },
        )
        .then(
          () => assert.fail('the transaction committed'),
          (e: unknown) => e,
        );
      assert.equal((err as { code?: string }).code, 'P2028', String(err));
      assert.equal(databaseOutage(err), 'busy');
    });
  });
}
