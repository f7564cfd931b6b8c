import assert from 'node:assert/strict';
import { PARTIES_CACHE_SIZE, TradeService } from '../../src/domain/trade-service.js';
import type { Database } from '../../src/persistence/database.js';
import type { Outbox } from '../../src/messaging/outbox.js';
import type { TranscriptChain } from '../../src/domain/transcript-chain.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A TradeService over a database that answers trade lookups from `trades` and counts them. */
function service(trades: Map<string, { buyerId: string; sellerId: string }>, fail = { now: false }) {
  const lookups: string[] = [];
  const db = {
    prisma: {
      trade: {
        findUnique: async ({ where }: { where: { id: string } }) => {
          lookups.push(where.id);
          await new Promise((resolve) => setImmediate(resolve));
          if (fail.now) throw new Error('database down');
          return trades.get(where.id) ?? null;
        },
      },
    },
  } as unknown as Database;
  return { trades: new TradeService(db, {} as Outbox, {} as TranscriptChain), lookups };
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
    assert.deepEqual(lookups, [id(1)]);
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
    assert.equal(lookups.length, 3);
  });

  it(`hold at most ${PARTIES_CACHE_SIZE} trades, the oldest going first`, async () => {
    const all = new Map(Array.from({ length: PARTIES_CACHE_SIZE + 1 }, (_, n) => [id(n), { buyerId: 'b', sellerId: 's' }] as const));
    const { trades, lookups } = service(all);
    for (let n = 0; n <= PARTIES_CACHE_SIZE; n++) await trades.participants(id(n));
    await trades.participants(id(PARTIES_CACHE_SIZE));
    await trades.participants(id(0));
    assert.equal(lookups.length, PARTIES_CACHE_SIZE + 2);
  });
});
