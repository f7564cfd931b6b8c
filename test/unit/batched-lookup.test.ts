import assert from 'node:assert/strict';
import { BatchedLookup } from '../../src/domain/batched-lookup.js';

describe('batched lookups (one query per turn of the event loop)', () => {
  it('answers every key asked for in a turn from one query, at most 500 keys each, a key asked twice queried once', async () => {
    const queries: string[][] = [];
    const lookup = new BatchedLookup<number>(async (keys) => (queries.push(keys), new Map(keys.map((k) => [k, Number(k)]))));
    const keys = Array.from({ length: 1_001 }, (_, n) => String(n));
    const values = await Promise.all([...keys, '7'].map((k) => lookup.get(k)));
    assert.deepEqual(values, [...keys.map(Number), 7]);
    assert.deepEqual(
      queries.map((q) => q.length),
      [500, 500, 1],
    );
    // The next turn is a new batch.
    assert.equal(await lookup.get('5'), 5);
    assert.equal(queries.length, 4);
  });

  it('resolves a key the query did not return to undefined, and fails the lookups of a failed chunk', async () => {
    let fail = true;
    const lookup = new BatchedLookup<string>(async (keys) => {
      if (fail) throw new Error('database down');
      return new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k.toUpperCase()]));
    });
    const failed = await Promise.allSettled([lookup.get('a'), lookup.get('b')]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.deepEqual(await Promise.all([lookup.get('a'), lookup.get('gone')]), ['A', undefined]);
  });

  it('fails only the chunk whose query failed, also when the query throws before returning a promise', async () => {
    const lookup = new BatchedLookup<string>((keys) => {
      if (keys.includes('0')) throw new Error('refused at once');
      return Promise.resolve(new Map(keys.map((k) => [k, k])));
    });
    const settled = await Promise.allSettled(Array.from({ length: 501 }, (_, n) => lookup.get(String(n))));
    assert.equal(settled.filter((r) => r.status === 'rejected').length, 500);
    assert.deepEqual(settled[500], { status: 'fulfilled', value: '500' });
  });
});
