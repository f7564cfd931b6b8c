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
    assert.equal(high.next(), 11_000, 'a window one interval wide, from the Retry-After');
    high.failed();
    assert.equal(high.next(), 8000, 'a Retry-After holds for the failure that sent it only');
  });

  it('after failed polls in a row, draws the next from a window one, three, then seven intervals wide, until one is answered', () => {
    const ceiling = new PollPacer(2000, () => 0.999999);
    const floor = new PollPacer(2000, () => 0);
    const windows: [number, number][] = [];
    for (let failures = 1; failures <= 5; failures++) {
      ceiling.failed();
      floor.failed();
      windows.push([floor.next(), ceiling.next()]);
    }
    assert.deepEqual(windows, [
      [2000, 4000],
      [2000, 8000],
      [2000, 16_000],
      [2000, 16_000],
      [2000, 16_000],
    ]);
    ceiling.answered(0, false);
    assert.equal(ceiling.next(), 2400, 'an answer ends the backoff: the interval, ±20 %');
    ceiling.failed();
    ceiling.failed();
    ceiling.reset();
    assert.equal(ceiling.next(), 2400, 'a new outage starts without backoff');
  });

  it('backs off at most the longest interval a server may advise beyond the window’s opening', () => {
    const pacer = new PollPacer(2000, () => 0.999999);
    pacer.advise(300_000);
    for (let failures = 0; failures < 5; failures++) pacer.failed();
    assert.equal(pacer.next(), 600_000);
  });
});
