import assert from 'node:assert/strict';
import { ApiError } from '../../client/src/rest-api.js';
import { settle } from './support/fake-clock.js';
import { TRADE_ID } from './support/fake-server.js';
import { live, setup, type World } from './support/world.js';

const CHAT_SEND = /^POST \/p2p\/trades\/[^/]+\/chat$/;

/** Two tries under one key, and one stored message. */
function assertRetriedOnce(world: World): void {
  const keys = world.server.sendKeys();
  assert.equal(keys.length, 2);
  assert.equal(keys[1], keys[0]);
  assert.equal(world.server.messages.length, 1);
}

describe('client: chat sends with a clientMessageId', () => {
  it("gives every send its own key within the contract's alphabet", async () => {
    const world = setup();
    await live(world);
    await world.client.sendMessage(TRADE_ID, 'one');
    await world.client.sendMessage(TRADE_ID, 'two');
    const keys = world.server.sendKeys();
    assert.equal(keys.length, 2);
    assert.ok(
      keys.every((k) => k !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(k)),
      keys.join(', '),
    );
    assert.notEqual(keys[0], keys[1]);
  });

  it('retries a send whose answer was lost with the same key, and the message is stored once', async () => {
    const world = setup();
    await live(world);
    world.server.failures.push({ match: CHAT_SEND, status: 201, lostAnswer: true });
    const sent = world.client.sendMessage(TRADE_ID, 'Chào bạn');
    await world.clock.advance(1000);
    const message = await sent;
    assertRetriedOnce(world);
    assert.deepEqual(
      world.received.map((m) => m.id),
      [message.id],
    );
  });

  it('retries after a 503 once its Retry-After has passed, with the same key', async () => {
    const world = setup();
    await live(world);
    world.server.failures.push({ match: CHAT_SEND, status: 503, retryAfterSeconds: 3 });
    let done = false;
    const sent = world.client.sendMessage(TRADE_ID, 'later').then(() => (done = true));
    await world.clock.advance(2999);
    assert.equal(done, false);
    assert.equal(world.server.sendKeys().length, 1);
    await world.clock.advance(1);
    await sent;
    assertRetriedOnce(world);
  });

  it('abandons an attempt with no answer in time, and retries it with the same key', async () => {
    const world = setup();
    await live(world);
    world.server.hold();
    let settled = false;
    const sent = world.client.sendMessage(TRADE_ID, 'slow').finally(() => (settled = true));
    await world.clock.advance(14_999);
    assert.equal(settled, false);
    await world.clock.advance(1);
    world.server.release();
    await world.clock.advance(1000);
    await sent;
    assertRetriedOnce(world);
  });

  it("does not retry a refusal, and uses the caller's key when given one", async () => {
    const world = setup();
    await live(world);
    world.server.failures.push({ match: CHAT_SEND, status: 400 });
    await assert.rejects(
      world.client.sendMessage(TRADE_ID, 'bad', { clientMessageId: 'mine-1' }),
      (err: unknown) => err instanceof ApiError && err.status === 400,
    );
    await world.clock.advance(10_000);
    assert.deepEqual(world.server.sendKeys(), ['mine-1']);
    await world.client.sendMessage(TRADE_ID, 'again', { clientMessageId: 'mine-1' });
    await settle();
    assert.deepEqual(world.server.sendKeys(), ['mine-1', 'mine-1']);
  });
});
