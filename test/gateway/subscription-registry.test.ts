import assert from 'node:assert/strict';
import { SubscriptionRegistry, type Subscriber } from '../../src/gateway/subscription-registry.js';
import { encodeHeaderLine } from '../../src/protocol/stomp/encoder.js';
import { StompParser } from '../../src/protocol/stomp/parser.js';
import type { StompFrame, StompVersion } from '../../src/protocol/stomp/frame.js';
import type { SenderRole } from '../../src/contract/trade-status.js';

function subscriber(id: string, version: StompVersion = '1.2', role: SenderRole | null = null) {
  const frames: StompFrame[] = [];
  const parser = new StompParser({ onFrame: (f) => frames.push(f), onError: (err) => assert.fail(err) });
  parser.setVersion(version);
  const s: Subscriber = {
    sink: { deliver: (frame) => parser.push(frame.bytes) },
    version,
    subscriptionHeader: encodeHeaderLine('subscription', id, version),
    role,
    userId: 'u',
  };
  return { s, frames };
}

describe('gateway subscription registry', () => {
  const body = Buffer.from(JSON.stringify({ message: 'Xin chào 👋' }));

  it('sends each subscriber of the destination one MESSAGE with its own subscription id', () => {
    const registry = new SubscriptionRegistry();
    const [a, b, other] = [subscriber('a'), subscriber('b:1', '1.1'), subscriber('c', '1.0')];
    registry.add('/topic/x', a.s);
    registry.add('/topic/x', b.s);
    registry.add('/topic/y', other.s);

    assert.equal(registry.publish({ destination: '/topic/x', body, audience: null }), 2);
    assert.equal(other.frames.length, 0);
    for (const [{ frames }, id] of [
      [a, 'a'],
      [b, 'b:1'],
    ] as const) {
      assert.equal(frames.length, 1);
      const [frame] = frames;
      assert.equal(frame!.command, 'MESSAGE');
      assert.equal(frame!.headers.subscription, id);
      assert.equal(frame!.headers.destination, '/topic/x');
      assert.equal(frame!.headers['content-type'], 'application/json');
      assert.deepEqual(frame!.body, body);
    }
    assert.equal(a.frames[0]!.headers['message-id'], b.frames[0]!.headers['message-id']);
  });

  it('gives every publication a new message-id', () => {
    const registry = new SubscriptionRegistry();
    const a = subscriber('a');
    registry.add('/topic/x', a.s);
    registry.publish({ destination: '/topic/x', body, audience: null });
    registry.publish({ destination: '/topic/x', body, audience: null });
    assert.notEqual(a.frames[0]!.headers['message-id'], a.frames[1]!.headers['message-id']);
  });

  it("reaches only the audience's side when a message is for one side", () => {
    const registry = new SubscriptionRegistry();
    const [buyer, seller] = [subscriber('b', '1.2', 'BUYER'), subscriber('s', '1.2', 'SELLER')];
    registry.add('/topic/chat', buyer.s);
    registry.add('/topic/chat', seller.s);
    assert.equal(registry.publish({ destination: '/topic/chat', body, audience: 'SELLER' }), 1);
    assert.deepEqual([buyer.frames.length, seller.frames.length], [0, 1]);
  });

  it("gives a mediator either side's messages", () => {
    const registry = new SubscriptionRegistry();
    const [buyer, mediator] = [subscriber('b', '1.2', 'BUYER'), subscriber('m', '1.2', 'MEDIATOR')];
    registry.add('/topic/chat', buyer.s);
    registry.add('/topic/chat', mediator.s);
    assert.equal(registry.publish({ destination: '/topic/chat', body, audience: 'SELLER' }), 1);
    assert.equal(registry.publish({ destination: '/topic/chat', body, audience: 'BUYER' }), 2);
    assert.deepEqual([buyer.frames.length, mediator.frames.length], [1, 2]);
  });

  it('counts subscriptions and forgets removed ones', () => {
    const registry = new SubscriptionRegistry();
    const [a, b] = [subscriber('a'), subscriber('b')];
    registry.add('/topic/x', a.s);
    registry.add('/topic/x', a.s);
    registry.add('/topic/x', b.s);
    assert.equal(registry.size, 2);
    registry.remove('/topic/x', a.s);
    registry.remove('/topic/x', a.s);
    registry.remove('/topic/nowhere', b.s);
    assert.equal(registry.size, 1);
    assert.equal(registry.publish({ destination: '/topic/x', body, audience: null }), 1);
    registry.remove('/topic/x', b.s);
    assert.equal(registry.publish({ destination: '/topic/x', body, audience: null }), 0);
  });

  it('tolerates a subscriber that unsubscribes others while a publication is under way', () => {
    const registry = new SubscriptionRegistry();
    const late = subscriber('late');
    const first: Subscriber = { ...subscriber('first').s, sink: { deliver: () => registry.remove('/topic/x', late.s) } };
    registry.add('/topic/x', first);
    registry.add('/topic/x', late.s);
    assert.equal(registry.publish({ destination: '/topic/x', body, audience: null }), 1);
    assert.equal(late.frames.length, 0);
  });
});
