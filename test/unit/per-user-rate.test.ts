import assert from 'node:assert/strict';
import { PerUserRate } from '../../src/gateway/app-sends/per-user-rate.js';

describe('per-user rate (typing)', () => {
  it('lets a burst through, then one per 1/perSecond, per user', () => {
    let now = 1_000_000;
    const rate = new PerUserRate(1, 2, () => now);
    assert.deepEqual([rate.take('bob'), rate.take('bob'), rate.take('bob')], [true, true, false]);
    assert.equal(rate.take('sue'), true, 'users do not share an allowance');
    now += 500;
    assert.equal(rate.take('bob'), false);
    now += 500;
    assert.deepEqual([rate.take('bob'), rate.take('bob')], [true, false]);
    // Idle time refills up to the burst only.
    now += 60_000;
    assert.deepEqual([rate.take('bob'), rate.take('bob'), rate.take('bob')], [true, true, false]);
  });

  it('forgets idle users once many are tracked, keeping the busy', () => {
    let now = 0;
    const rate = new PerUserRate(1, 2, () => now);
    for (let i = 0; i < 10_001; i++) rate.take(`idle-${i}`);
    assert.equal(rate.size, 10_001);
    now += 5_000;
    // The next take sweeps: idle users are full again and dropped.
    assert.equal(rate.take('busy'), true);
    assert.equal(rate.size, 1);
    assert.deepEqual([rate.take('busy'), rate.take('busy')], [true, false]);
  });
});
