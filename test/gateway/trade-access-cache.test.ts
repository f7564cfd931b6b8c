import assert from 'node:assert/strict';
import { CachedTradeAccess } from '../../src/gateway/trade-access-cache.js';
import type { TradeAccess } from '../../src/domain/trade-service.js';
import type { TradeRole } from '../../src/events/events.js';
import { sleep } from '../support/eventually.js';

function countingSource(answer: () => Promise<TradeRole | null> = async () => 'BUYER') {
  const calls: string[] = [];
  const source: TradeAccess = {
    roleInTrade(tradeId, userId) {
      calls.push(`${tradeId}/${userId}`);
      return answer();
    },
  };
  return { source, calls };
}

describe('gateway trade access cache', () => {
  it('asks once per trade and user within the TTL, and shares a lookup in flight', async () => {
    const { source, calls } = countingSource();
    const cache = new CachedTradeAccess(source, 60_000);
    assert.deepEqual(await Promise.all([cache.roleInTrade('t', 'bob'), cache.roleInTrade('t', 'bob')]), ['BUYER', 'BUYER']);
    await cache.roleInTrade('t', 'bob');
    await cache.roleInTrade('t', 'sue');
    assert.deepEqual(calls, ['t/bob', 't/sue']);
  });

  it('asks again after the TTL', async () => {
    const { source, calls } = countingSource();
    const cache = new CachedTradeAccess(source, 20);
    await cache.roleInTrade('t', 'bob');
    await sleep(30);
    await cache.roleInTrade('t', 'bob');
    assert.equal(calls.length, 2);
  });

  it('does not keep a failed lookup', async () => {
    let fail = true;
    const { source, calls } = countingSource(async () => {
      if (fail) throw new Error('database down');
      return 'SELLER';
    });
    const cache = new CachedTradeAccess(source, 60_000);
    await assert.rejects(cache.roleInTrade('t', 'sue'), /database down/);
    fail = false;
    assert.equal(await cache.roleInTrade('t', 'sue'), 'SELLER');
    assert.equal(calls.length, 2);
  });

  it('holds at most maxEntries, evicting the oldest', async () => {
    const { source, calls } = countingSource();
    const cache = new CachedTradeAccess(source, 60_000, 2);
    for (const user of ['a', 'b', 'c']) await cache.roleInTrade('t', user);
    await cache.roleInTrade('t', 'c');
    await cache.roleInTrade('t', 'a');
    assert.deepEqual(calls, ['t/a', 't/b', 't/c', 't/a']);
  });
});
