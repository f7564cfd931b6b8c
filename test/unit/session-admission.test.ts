import assert from 'node:assert/strict';
import { SessionAdmission, type Admission } from '../../src/gateway/session-admission.js';

function clocked(settings: { targetMs: number; minPending: number }) {
  const clock = { now: 0 };
  const changes: boolean[] = [];
  const admission = new SessionAdmission(
    settings,
    () => clock.now,
    (refusing) => changes.push(refusing),
  );
  const connections = (n: number) => Array.from({ length: n }, () => ({}));
  const admitAll = (list: object[]) => list.map((c) => admission.admit(c));
  return { clock, changes, admission, connections, admitAll };
}

const retryAfter = (a: Admission) => (a.admitted ? undefined : a.retryAfterMs);

describe('gateway: session admission while set-ups lag', () => {
  it('takes every connection on while fewer than minPending are setting up, however long they wait', () => {
    const { clock, admission, connections, admitAll } = clocked({ targetMs: 100, minPending: 3 });
    const stalled = connections(2);
    admitAll(stalled);
    clock.now += 10_000;
    assert.deepEqual(admission.admit({}), { admitted: true });
    assert.equal(admission.pending, 3);
  });

  it('refuses new connections once the oldest set-up has waited past the target, and takes them on again when it is done', () => {
    const { clock, changes, admission, connections, admitAll } = clocked({ targetMs: 100, minPending: 2 });
    const first = connections(3);
    assert.ok(admitAll(first).every((a) => a.admitted));
    clock.now += 101;
    const refused = admission.admit({});
    assert.equal(refused.admitted, false);
    assert.ok(retryAfter(refused)! >= 250, `retry after ${retryAfter(refused)} ms`);
    assert.equal(admission.pending, 3, 'a refused connection is not counted');

    // The oldest one set up: the next oldest has waited as long, so still behind.
    admission.setUp(first[0]!);
    assert.equal(admission.admit({}).admitted, false);
    // A closed one counts as gone too; below minPending again, new ones are taken on.
    admission.gone(first[1]!);
    assert.equal(admission.pending, 1);
    assert.deepEqual(admission.admit({}), { admitted: true });
    assert.deepEqual(changes, [true, false]);
  });

  it('bounds a burst by the recent set-up rate before anyone has waited', () => {
    const { clock, admission, connections, admitAll } = clocked({ targetMs: 1_000, minPending: 10 });
    // 300 set-ups finished in the last second: the gateway takes on what it finishes in the target, 300.
    for (const c of connections(300)) {
      admission.admit(c);
      admission.setUp(c);
    }
    clock.now += 1_000;
    const burst = admitAll(connections(400));
    assert.equal(burst.filter((a) => a.admitted).length, 300);
    assert.equal(admission.pending, 300);
  });

  it('hands out appointments at the set-up rate behind the sessions waiting, at most 15 s away', () => {
    const { connections, admitAll } = clocked({ targetMs: 1_000, minPending: 10 });
    // No rate measured yet: 50 a second is assumed, so 50 are taken on (the target's worth).
    const burst = admitAll(connections(1_000));
    assert.equal(burst.filter((a) => a.admitted).length, 50);
    const waits = burst.filter((a) => !a.admitted).map(retryAfter) as number[];
    // The first refused comes after the 50 waiting (1 s at 50/s), then one every 20 ms.
    assert.equal(waits[0], 1_000);
    assert.equal(waits[1], 1_020);
    assert.equal(waits[100], 3_000);
    assert.ok(waits.every((w, i) => i === 0 || w >= waits[i - 1]!));
    assert.equal(Math.max(...waits), 15_000);
  });

  it('spaces appointments closer after faster set-ups', () => {
    const { clock, admission, connections, admitAll } = clocked({ targetMs: 1_000, minPending: 10 });
    for (const c of connections(500)) {
      admission.admit(c);
      admission.setUp(c);
    }
    clock.now += 1_000;
    const waits = admitAll(connections(502)).map(retryAfter);
    assert.equal(waits.filter((w) => w === undefined).length, 500);
    assert.deepEqual(waits.slice(500), [1_000, 1_002]);
  });

  it('never refuses with a target of 0', () => {
    const { clock, admission, connections, admitAll } = clocked({ targetMs: 0, minPending: 1 });
    assert.ok(admitAll(connections(10_000)).every((a) => a.admitted));
    clock.now += 60_000;
    assert.equal(admission.admit({}).admitted, true);
  });
});
