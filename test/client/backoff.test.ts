import assert from 'node:assert/strict';
import { Backoff } from '../../client/src/backoff.js';

describe('client: reconnect backoff', () => {
  const delays = (backoff: Backoff, n: number) => Array.from({ length: n }, () => backoff.next());

  it('doubles the ceiling each attempt and caps it', () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 10_000, random: () => 0.9999 });
    assert.deepEqual(delays(backoff, 6), [999, 1999, 3999, 7999, 9999, 9999]);
  });

  it('draws each delay uniformly below the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25, 0.75];
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => draws.shift()! });
    assert.deepEqual(delays(backoff, 4), [0, 1000, 1000, 6000]);
  });

  it('starts from the base delay again after reset()', () => {
    const backoff = new Backoff({ baseMs: 500, maxMs: 30_000, random: () => 0.5 });
    delays(backoff, 5);
    backoff.reset();
    assert.equal(backoff.next(), 250);
  });

  it('refuses a cap below the base', () => {
    assert.throws(() => new Backoff({ baseMs: 1000, maxMs: 500, random: Math.random }), RangeError);
  });
});
