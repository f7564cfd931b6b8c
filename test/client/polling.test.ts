import assert from 'node:assert/strict';
import { Poller } from '../../client/src/polling.js';
import { FakeClock } from './support/fake-clock.js';

describe('client: poller', () => {
  it('runs every interval, counted from the end of the previous run', async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const poller = new Poller(
      clock,
      () => 2000,
      async () => {
        runs.push(clock.now());
      },
    );
    poller.start();
    poller.start();
    await clock.advance(6500);
    assert.deepEqual(runs, [2000, 4000, 6000]);
  });

  it('does not run again after stop(), even when stopped during a run', async () => {
    const clock = new FakeClock();
    let runs = 0;
    let finish: () => void = () => {};
    const poller = new Poller(
      clock,
      () => 2000,
      () => {
        runs += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    );
    poller.start();
    await clock.advance(2000);
    poller.stop();
    finish();
    await clock.advance(10_000);
    assert.equal(runs, 1);
    assert.equal(poller.running, false);
  });

  it('keeps polling after a failed run', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const poller = new Poller(
      clock,
      () => 2000,
      async () => {
        runs += 1;
        throw new Error('down');
      },
    );
    poller.start();
    await clock.advance(4000);
    assert.equal(runs, 2);
  });
});
