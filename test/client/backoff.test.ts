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

  it('repeats the last ceiling without raising it (a try that reached a live but slow gateway)', () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => 0.9999 });
    assert.equal(backoff.repeat(), 999, 'before any delay: the base');
    assert.deepEqual(delays(backoff, 2), [999, 1999]);
    assert.deepEqual([backoff.repeat(), backoff.repeat()], [1999, 1999]);
    assert.equal(backoff.next(), 3999, 'a plain failure goes on from where it was');
  });

  it('refuses a cap below the base', () => {
    assert.throws(() => new Backoff({ baseMs: 1000, maxMs: 500, random: Math.random }), RangeError);
  });
});
