import assert from 'node:assert/strict';
import { type Expirable, startExpirySweep } from '../../src/gateway/expiry-sweep.js';
import { sleep } from '../support/eventually.js';

describe('token expiry sweep (src/gateway/expiry-sweep.ts)', () => {
  it('asks every open session, including one opened after the sweep started, to end if its token expired a leeway ago', async () => {
    const asked: { name: string; cutoff: number }[] = [];
    const session = (name: string): Expirable => ({ expireIfBefore: (cutoff) => asked.push({ name, cutoff }) });
    const open = [session('first')];
    const stop = startExpirySweep(() => open, 5_000);
    open.push(session('connected later'));
    await sleep(1_150);
    stop();
    const now = Date.now();
    assert.deepEqual(
      asked.map((a) => a.name),
      ['first', 'connected later'],
    );
    for (const { cutoff } of asked) assert.ok(cutoff <= now - 5_000 && cutoff > now - 5_000 - 1_000, `cutoff ${now - cutoff} ms ago, not the leeway`);
  });
});
