import assert from 'node:assert/strict';
import { PARTIES_CACHE_SIZE, TradeService } from '../../src/domain/trade-service.js';
import type { Database } from '../../src/persistence/database.js';
import type { Outbox } from '../../src/messaging/outbox.js';
import type { TranscriptChain } from '../../src/domain/transcript-chain.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A TradeService over a database that answers trade lookups from `trades` and records each query's ids. */
function service(trades: Map<string, { buyerId: string; sellerId: string }>, fail = { now: false }) {
  const queries: string[][] = [];
  const db = {
    prisma: {
      trade: {
        findMany: async ({ where }: { where: { id: { in: string[] } } }) => {
          queries.push(where.id.in);
          await new Promise((resolve) => setImmediate(resolve));
          if (fail.now) throw new Error('database down');
          return where.id.in.flatMap((tradeId) => {
            const parties = trades.get(tradeId);
            return parties ? [{ id: tradeId, ...parties }] : [];
          });
        },
      },
    },
  } as unknown as Database;
  return { trades: new TradeService(db, {} as Outbox, {} as TranscriptChain), queries, lookups: () => queries.flat() };
}

describe("a trade's parties (permission checks of chat and the gateway)", () => {
  it('are looked up once per trade, shared while in flight, for every user asking', async () => {
    const { trades, lookups } = service(new Map([[id(1), { buyerId: 'bob', sellerId: 'sue' }]]));
    assert.deepEqual(await Promise.all([trades.roleInTrade(id(1), 'bob'), trades.roleInTrade(id(1), 'sue'), trades.roleInTrade(id(1), 'eve')]), [
      'BUYER',
      'SELLER',
      null,
    ]);
    await trades.participants(id(1));
    assert.deepEqual(lookups(), [id(1)]);
  });

  it('of different trades asked for in the same turn (a reconnect storm on a cold cache) are read with one query', async () => {
    const all = new Map(Array.from({ length: 30 }, (_, n) => [id(n), { buyerId: `b${n}`, sellerId: `s${n}` }] as const));
    const { trades, queries } = service(all);
    const roles = await Promise.all([...all.keys(), id(99)].map((tradeId, n) => trades.roleInTrade(tradeId, `s${n}`)));
    assert.deepEqual(roles, [...Array.from({ length: 30 }, () => 'SELLER'), null]);
    assert.equal(queries.length, 1);
    assert.equal(queries[0]!.length, 31);
    // An id in upper case is the same trade (the database answers ids in lower case).
    const mixed = 'abcdef00-0000-4000-8000-00000000abcd';
    all.set(mixed, { buyerId: 'b99', sellerId: 's99' });
    assert.equal(await trades.roleInTrade(mixed.toUpperCase(), 'b99'), 'BUYER');
    // Not a UUID: not found without a query.
    assert.equal(await trades.roleInTrade('not-a-trade', 'bob'), null);
    assert.equal(queries.length, 2);
  });

  it('are not remembered for an unknown trade or a failed lookup', async () => {
    const known = new Map<string, { buyerId: string; sellerId: string }>();
    const fail = { now: true };
    const { trades, lookups } = service(known, fail);
    await assert.rejects(trades.participants(id(2)), /database down/);
    fail.now = false;
    assert.equal(await trades.roleInTrade(id(2), 'bob'), null);
    known.set(id(2), { buyerId: 'bob', sellerId: 'sue' });
    assert.equal(await trades.roleInTrade(id(2), 'bob'), 'BUYER');
    assert.equal(lookups().length, 3);
  });

  it(`hold at most ${PARTIES_CACHE_SIZE} trades, the oldest going first`, async () => {
    const all = new Map(Array.from({ length: PARTIES_CACHE_SIZE + 1 }, (_, n) => [id(n), { buyerId: 'b', sellerId: 's' }] as const));
    const { trades, lookups } = service(all);
    for (let n = 0; n <= PARTIES_CACHE_SIZE; n++) await trades.participants(id(n));
    await trades.participants(id(PARTIES_CACHE_SIZE));
    await trades.participants(id(0));
    assert.equal(lookups().length, PARTIES_CACHE_SIZE + 2);
  });
});
