import assert from 'node:assert/strict';
import { negotiateHeartbeats, parseHeartBeat } from '../../src/gateway/heartbeats.js';
import { negotiateVersion } from '../../src/gateway/stomp-session.js';

describe('gateway STOMP negotiation', () => {
  it('picks the highest common version; none given means 1.0', () => {
    assert.equal(negotiateVersion(undefined), '1.0');
    assert.equal(negotiateVersion('1.0,1.1,1.2'), '1.2');
    assert.equal(negotiateVersion('1.2, 1.1'), '1.2');
    assert.equal(negotiateVersion('1.1'), '1.1');
    assert.equal(negotiateVersion('1.0,2.0'), '1.0');
    assert.equal(negotiateVersion('2.0'), undefined);
    assert.equal(negotiateVersion(''), undefined);
  });

  it('parses heart-beat headers, absent meaning none', () => {
    assert.deepEqual(parseHeartBeat(undefined), [0, 0]);
    assert.deepEqual(parseHeartBeat('10000,5000'), [10000, 5000]);
    assert.deepEqual(parseHeartBeat(' 0 , 0 '), [0, 0]);
    for (const bad of ['', '1', '1,2,3', '-1,0', 'a,b', '1.5,2', '9999999999,0']) assert.equal(parseHeartBeat(bad), undefined, bad);
  });

  it('runs each direction at the slower side, and not at all when either side says 0', () => {
    assert.deepEqual(negotiateHeartbeats([4000, 20000], 10000), { sendEveryMs: 20000, expectEveryMs: 10000 });
    assert.deepEqual(negotiateHeartbeats([15000, 5000], 10000), { sendEveryMs: 10000, expectEveryMs: 15000 });
    assert.deepEqual(negotiateHeartbeats([0, 5000], 10000), { sendEveryMs: 10000, expectEveryMs: 0 });
    assert.deepEqual(negotiateHeartbeats([5000, 0], 10000), { sendEveryMs: 0, expectEveryMs: 10000 });
  });
});
