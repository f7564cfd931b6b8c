import assert from 'node:assert/strict';
import { CLOSE_CODES } from '../../src/contract/close-codes.js';
import { topics } from '../../client/src/wire.js';
import { settle } from './support/fake-clock.js';
import { TRADE_ID } from './support/fake-server.js';
import { live, setup, type World } from './support/world.js';

/** An unsigned JWT with this `exp` (s): the client reads it, only the server verifies. */
function jwt(exp: number, n: number): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'alice', exp, n })}.signature`;
}

/** Tokens for 100 s from the fake clock's now, a new one per call (until `frozen`). */
function tokens() {
  const state = { world: undefined as World | undefined, issued: 0, frozen: undefined as string | undefined };
  const getToken = () => state.frozen ?? jwt(Math.floor((state.world?.clock.now() ?? 0) / 1000) + 100, ++state.issued);
  return { state, getToken };
}

const linkCount = (world: World) => world.broker.links.length;

describe('client: close codes and the token lifecycle', () => {
  it('after a drain close, reconnects after the advisory delay plus jitter, and keeps its backoff', async () => {
    const world = setup();
    await live(world);
    world.broker.current.lose({ code: CLOSE_CODES.drain, closeReason: 'drain;retry-after-ms=3000' });
    await world.clock.advance(3499);
    assert.equal(linkCount(world), 1);
    await world.clock.advance(1);
    assert.equal(linkCount(world), 2);
    world.broker.current.lose();
    assert.ok(world.clock.pending().includes(500), 'the first failure after it waits the base delay');
    assert.deepEqual(world.authRequired, []);
  });

  it('after a token-expiry close, gets a token and reconnects at once', async () => {
    const world = setup();
    await live(world);
    world.broker.current.lose({ code: CLOSE_CODES.tokenExpired, closeReason: 'token expired' });
    await world.clock.advance(0);
    assert.equal(linkCount(world), 2);
    assert.notEqual(world.broker.links[1]!.headers.Authorization, world.broker.links[0]!.headers.Authorization);
  });

  it('when CONNECT is refused for its token, stops and emits auth-required instead of looping', async () => {
    const world = setup();
    world.client.start();
    await settle();
    world.broker.current.lose({ code: CLOSE_CODES.policy, closeReason: 'auth', errorMessage: 'authentication failed: invalid token' });
    const calls = world.server.calls.length;
    await world.clock.advance(120_000);
    assert.deepEqual(world.authRequired, [{ reason: 'refused' }]);
    assert.equal(linkCount(world), 1);
    assert.equal(world.server.calls.length, calls, 'no polling either');
    assert.equal(world.client.state, 'offline');
  });

  it('when getToken() hands back an expired token, does not connect, and resumes on start() with a new one', async () => {
    const { state, getToken } = tokens();
    const world = setup({ getToken });
    state.world = world;
    await live(world, 1);
    world.broker.current.lose();
    state.frozen = jwt(0, 0);
    await world.clock.advance(2000);
    assert.deepEqual(world.authRequired, [{ reason: 'expired' }]);
    assert.equal(linkCount(world), 1);
    assert.equal(world.client.state, 'offline');

    state.frozen = undefined;
    world.server.append();
    world.client.start();
    await settle();
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    assert.deepEqual(world.seqs(), [1, 2], 'resumed from its cursors');
  });

  it('treats a 401 while polling as auth-required, not as an outage', async () => {
    const world = setup();
    await live(world);
    world.broker.current.lose();
    world.server.failures.push({ match: /^GET \/p2p\/sync$/, status: 401 });
    await world.clock.advance(60_000);
    assert.deepEqual(world.authRequired, [{ reason: 'refused' }]);
    assert.equal(world.server.syncQueries().filter((q) => q.get('wait')).length, 1);
  });

  it('moves to a session on a new token before expiry, with no gap and each message once', async () => {
    const { state, getToken } = tokens();
    const world = setup({ getToken });
    state.world = world;
    await live(world, 1);
    const [old] = world.broker.links;
    const syncs = world.server.syncQueries().length;
    // 100 s token: renewed 10 s (a tenth) before its exp.
    await world.clock.advance(89_999);
    assert.equal(linkCount(world), 1);
    await world.clock.advance(1);
    assert.equal(linkCount(world), 2);
    const fresh = world.broker.current;
    assert.notEqual(fresh.headers.Authorization, old!.headers.Authorization);

    const during = world.server.append();
    old!.push(topics.tradeChat(TRADE_ID), during);
    fresh.connect();
    await settle();
    assert.equal(old!.closed, true, 'the old session is closed once the new one is subscribed');
    fresh.push(topics.tradeChat(TRADE_ID), during);
    assert.deepEqual(world.seqs(), [1, 2]);
    assert.deepEqual(world.states, ['polling', 'live'], 'never left live');
    assert.equal(world.server.syncQueries().length, syncs + 1, 'a catch-up from the cursors after the move');
    // The new session is renewed in its turn.
    await world.clock.advance(90_000);
    assert.equal(linkCount(world), 3);
  });

  it('subscribes a trade watched during the move on both sessions', async () => {
    const { state, getToken } = tokens();
    const world = setup({ getToken });
    state.world = world;
    await live(world);
    const other = '1a2b3c4d-0000-4000-8000-000000000002';
    world.server.openTrade(other);
    world.broker.confirms = false; // the new session's subscriptions stay unconfirmed: the move is under way
    await world.clock.advance(90_000);
    const [old, fresh] = world.broker.links;
    fresh!.connect();
    await settle();
    await world.client.watchTrade(other);
    assert.ok(old!.subscriptions.has(topics.tradeChat(other)));
    assert.ok(fresh!.subscriptions.has(topics.tradeChat(other)));
  });

  it('keeps the current session when the one on the new token fails', async () => {
    const { state, getToken } = tokens();
    const world = setup({ getToken });
    state.world = world;
    await live(world);
    await world.clock.advance(90_000);
    world.broker.current.lose();
    await settle();
    assert.equal(world.broker.links[0]!.closed, false);
    assert.deepEqual(world.states, ['polling', 'live']);
  });

  it('without a newer token, lets the session expire, then asks for login once', async () => {
    const { state, getToken } = tokens();
    const world = setup({ getToken });
    state.world = world;
    await live(world);
    state.frozen = world.broker.current.headers.Authorization!.replace('Bearer ', '');
    await world.clock.advance(100_000);
    assert.equal(linkCount(world), 1, 'no second session on the same token');
    world.broker.current.lose({ code: CLOSE_CODES.tokenExpired });
    await world.clock.advance(60_000);
    assert.deepEqual(world.authRequired, [{ reason: 'expired' }]);
    assert.equal(linkCount(world), 1);
  });
});
