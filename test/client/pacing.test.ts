import assert from 'node:assert/strict';
import { jittered, PollPacer } from '../../client/src/pacing.js';

describe('client: poll pacing', () => {
  it('spreads a delay by ±20 %', () => {
    assert.equal(
      jittered(2000, () => 0),
      1600,
    );
    assert.equal(
      jittered(2000, () => 0.5),
      2000,
    );
    assert.equal(
      jittered(2000, () => 0.999999),
      2400,
    );
  });

  it('polls again at once after news, and waits out the interval after an early empty answer', () => {
    const pacer = new PollPacer(2000, () => 0.5);
    pacer.answered(300, true);
    assert.equal(pacer.next(), 0);
    pacer.answered(500, false);
    assert.equal(pacer.next(), 1500);
    pacer.answered(25_000, false);
    assert.equal(pacer.next(), 0, 'a long poll the server held');
  });

  it("takes the server's interval, within bounds", () => {
    const pacer = new PollPacer(2000, () => 0.5);
    pacer.advise(7000);
    pacer.reset();
    assert.equal(pacer.next(), 7000);
    pacer.advise(1);
    assert.equal(pacer.intervalMs, 250);
    pacer.advise('soon');
    pacer.advise(Number.NaN);
    assert.equal(pacer.intervalMs, 250);
  });

  it('never comes back before a Retry-After, jitter only adds to it', () => {
    const low = new PollPacer(2000, () => 0);
    low.failed(9000);
    assert.equal(low.next(), 9000);
    const high = new PollPacer(2000, () => 0.999999);
    high.failed(9000);
    assert.equal(high.next(), 10_800);
    high.failed();
    assert.equal(high.next(), 2400);
  });
});
