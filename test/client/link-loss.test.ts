import assert from 'node:assert/strict';
import { CLOSE_CODES } from '../../src/contract/close-codes.js';
import { FAILURE_MEMORY_MS, GatewayList } from '../../client/src/gateway-list.js';
import { classifyLoss } from '../../client/src/link-loss.js';
import { refreshDelay, tokenExpiry } from '../../client/src/token-expiry.js';

describe('client: reading close codes, tokens and gateway lists', () => {
  it('reads the close code table', () => {
    const { drain, tokenExpired, policy, shutdown } = CLOSE_CODES;
    assert.deepEqual(classifyLoss({ reason: '', connected: true, code: drain, closeReason: 'drain;retry-after-ms=2500' }), { kind: 'drain', delayMs: 2500 });
    assert.deepEqual(classifyLoss({ reason: '', connected: true, code: drain, closeReason: 'drain' }), { kind: 'drain', delayMs: 0 });
    assert.deepEqual(classifyLoss({ reason: '', connected: true, code: tokenExpired }), { kind: 'token-expired' });
    assert.deepEqual(classifyLoss({ reason: '', connected: false, code: tokenExpired }), { kind: 'auth-refused' });
    assert.deepEqual(classifyLoss({ reason: '', connected: false, code: policy, closeReason: 'auth' }), { kind: 'auth-refused' });
    assert.deepEqual(classifyLoss({ reason: '', connected: false, code: policy, errorMessage: 'authentication failed: token expired' }), {
      kind: 'auth-refused',
    });
    // Refused for a limit, or a policy close after CONNECTED (a forbidden subscription): retry with backoff.
    assert.deepEqual(classifyLoss({ reason: '', connected: false, code: policy, closeReason: 'limit' }), { kind: 'failure' });
    assert.deepEqual(classifyLoss({ reason: '', connected: true, code: policy, closeReason: 'auth' }), { kind: 'failure' });
    assert.deepEqual(classifyLoss({ reason: '', connected: true, code: shutdown }), { kind: 'failure' });
    assert.deepEqual(classifyLoss({ reason: 'cut', connected: false }), { kind: 'failure' });
    assert.deepEqual(classifyLoss({ reason: 'no CONNECTED in time', connected: false, slow: true }), { kind: 'slow' });
    assert.deepEqual(classifyLoss({ reason: 'no RECEIPT in time', connected: true, slow: true }), { kind: 'slow' });
  });

  it("takes the close code stompjs makes up for a socket it discards (4001: missed heart-beats, a timeout) for a plain failure, not the gateway's word", () => {
    assert.deepEqual(classifyLoss({ reason: '', connected: true, code: 4001 }), { kind: 'failure' });
    assert.deepEqual(classifyLoss({ reason: '', connected: false, code: 4001 }), { kind: 'failure' });
  });

  it("reads a JWT's exp without verifying it, and renews a tenth of its life (at most a minute) early", () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'alice', exp: 1_800_000_000, note: '>>>???' })).toString('base64url');
    assert.equal(tokenExpiry(`h.${payload}.s`), 1_800_000_000_000);
    assert.equal(tokenExpiry('not a jwt'), undefined);
    assert.equal(tokenExpiry(`h.${Buffer.from('{"sub":"a"}').toString('base64url')}.s`), undefined);
    assert.equal(tokenExpiry('h.%%%.s'), undefined);
    assert.equal(refreshDelay(100_000, 0), 90_000);
    assert.equal(refreshDelay(12 * 3_600_000, 0), 12 * 3_600_000 - 60_000);
    assert.equal(refreshDelay(1000, 5000), 0);
  });

  it('starts at a random gateway, stays while it works and moves on after a failure', () => {
    const list = new GatewayList(['ws://a', 'ws://b', 'ws://c'], () => 0.5);
    assert.equal(list.current, 'ws://b');
    assert.equal(list.current, 'ws://b');
    list.failed();
    assert.equal(list.current, 'ws://c');
    list.failed();
    assert.equal(list.current, 'ws://a');
    assert.equal(new GatewayList(['ws://a', 'ws://b'], () => 0.999999).current, 'ws://b');
    assert.throws(() => new GatewayList([], Math.random), RangeError);
  });

  it('after a gateway failed, does not go back to it from one that is only busy (it answered, CONNECT timed out)', () => {
    const list = new GatewayList(['ws://a', 'ws://b'], () => 0);
    list.failed(); // a died
    assert.equal(list.current, 'ws://b');
    list.failed('busy');
    assert.equal(list.current, 'ws://b', 'stays on the live gateway rather than going back to the dead one');
    list.failed('busy');
    assert.equal(list.current, 'ws://b');
    list.failed(); // b died too: back to a, which failed longer ago
    assert.equal(list.current, 'ws://a');
  });

  it('forgets a failure after FAILURE_MEMORY_MS: a client kept waiting by a gateway goes back to the others in turn', () => {
    let now = 0;
    const list = new GatewayList(
      ['ws://a', 'ws://b'],
      () => 0,
      () => now,
    );
    list.failed(); // a died
    now += FAILURE_MEMORY_MS - 1;
    list.failed('busy');
    assert.equal(list.current, 'ws://b', 'a failed recently');
    now += 1;
    // b may be unreachable rather than busy; a may be back.
    list.failed('busy');
    assert.equal(list.current, 'ws://a');
  });

  it('moves on from a busy gateway to one that has not failed, and otherwise to the one that failed least recently', () => {
    const list = new GatewayList(['ws://a', 'ws://b', 'ws://c'], () => 0);
    list.failed('busy');
    assert.equal(list.current, 'ws://b', 'none failed: the next in turn, as a load balancer would');
    list.failed(); // b failed
    assert.equal(list.current, 'ws://c');
    list.failed(); // c failed
    assert.equal(list.current, 'ws://a', 'a never failed');
    list.failed(); // a failed: b failed longest ago
    assert.equal(list.current, 'ws://b');
    list.failed('busy'); // c and a failed since b: stay
    assert.equal(list.current, 'ws://b');
  });
});
