import assert from 'node:assert/strict';
import { ReadCapacityError, ReadGate } from '../../src/persistence/read-gate.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('read gate', () => {
  it('runs at most `limit` reads at once and admits the waiters in arrival order', async () => {
    const gate = new ReadGate(2, 5_000);
    const blockers = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const reads = blockers.map((b, i) => gate.run(async () => (started.push(i), b.promise)));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    assert.deepEqual(started, [0, 1]);
    assert.equal(gate.waiting, 2);
    blockers[1]!.resolve();
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    blockers[0]!.resolve();
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3]);
    blockers.forEach((b) => b.resolve());
    await Promise.all(reads);
    assert.equal(gate.active, 0);
  });

  it('fails a read that waited longer than waitMs, without running it, and frees nothing it never held', async () => {
    const gate = new ReadGate(1, 50);
    const blocker = deferred();
    const holding = gate.run(() => blocker.promise);
    let ran = false;
    await assert.rejects(
      gate.run(async () => void (ran = true)),
      ReadCapacityError,
    );
    assert.equal(ran, false);
    assert.equal(gate.waiting, 0);
    blocker.resolve();
    await holding;
    assert.equal(gate.active, 0);
    assert.equal(await gate.run(async () => 'next'), 'next');
  });

  it('releases the slot when a read throws', async () => {
    const gate = new ReadGate(1, 50);
    await assert.rejects(
      gate.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(gate.active, 0);
  });
});
