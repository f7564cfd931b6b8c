import assert from 'node:assert/strict';
import { PLAIN_POLLS_FOR_MS } from '../../client/src/fallback-poll.js';
import { settle } from './support/fake-clock.js';
import { chatCursors, TRADE_ID } from './support/fake-server.js';
import { live, setup, type World } from './support/world.js';

const OTHER = '1a2b3c4d-0000-4000-8000-000000000002';
const THIRD = '1a2b3c4d-0000-4000-8000-000000000003';

/** Live with three watched trades, then the socket lost; the calls so far are forgotten. */
async function downWithThreeTrades(world: World): Promise<void> {
  world.server.openTrade(OTHER);
  world.server.openTrade(THIRD);
  await live(world);
  await world.client.watchTrade(OTHER);
  await world.client.watchTrade(THIRD);
  world.broker.current.lose();
  world.server.calls.length = 0;
}

const paths = (world: World) => world.server.calls.map((c) => c.split('?')[0]);

describe('client: the fallback through GET /sync', () => {
  it('sends one sync per interval while the socket is down, whatever the number of trades', async () => {
    const world = setup();
    world.server.holdsLongPolls = false;
    await downWithThreeTrades(world);
    await world.clock.advance(10_000);
    assert.deepEqual(paths(world), Array(5).fill('GET /p2p/sync'));
    const trades = chatCursors(world.server.syncQueries()[0]!)!.split(',');
    assert.deepEqual(trades.sort(), [`${TRADE_ID}:0`, `${OTHER}:0`, `${THIRD}:0`].sort());
  });

  it('long-polls: about one request per 25 s while nothing happens', async () => {
    const world = setup();
    await downWithThreeTrades(world);
    await world.clock.advance(60_000);
    // At 2 s (held until 27 s), at 27 s (until 52 s), at 52 s.
    assert.deepEqual(paths(world), Array(3).fill('GET /p2p/sync'));
    assert.ok(world.server.syncQueries().every((q) => q.get('wait') === '25'));
  });

  it('delivers what a held long poll wakes for at once, then holds again', async () => {
    const world = setup();
    await downWithThreeTrades(world);
    await world.clock.advance(5_000);
    world.server.append({}, OTHER);
    await settle();
    assert.deepEqual(
      world.received.map((m) => [m.tradeId, m.seq]),
      [[OTHER, 1]],
    );
    await world.clock.advance(1);
    assert.equal(world.server.syncQueries().length, 2);
    assert.equal(
      chatCursors(world.server.syncQueries()[1]!)!
        .split(',')
        .find((t) => t.startsWith(OTHER)),
      `${OTHER}:1`,
    );
  });

  it('syncs again at once while the server says more, and delivers in seq order', async () => {
    const world = setup();
    await live(world, 1);
    world.broker.current.lose();
    world.server.syncPageLimit = 2;
    for (let i = 0; i < 5; i++) world.server.append();
    await world.clock.advance(2000);
    assert.deepEqual(world.seqs(), [1, 2, 3, 4, 5, 6]);
    const afterSeqs = world.server.syncQueries().slice(2).map(chatCursors);
    assert.deepEqual(afterSeqs, [`${TRADE_ID}:1`, `${TRADE_ID}:3`, `${TRADE_ID}:5`, `${TRADE_ID}:6`]);
  });

  it('loses no message a sync answers without yet, when the client holds a later one of its own', async () => {
    const world = setup();
    world.server.holdsLongPolls = false;
    await live(world, 1);
    world.broker.current.lose();
    // The seller's message and this user's send are committed through other api processes; the
    // syncing process has not heard of them yet, and the gap's chat fetch is shed (503).
    world.server.syncHeardThrough = 1;
    world.server.append();
    world.server.failures.push({ match: /^GET \/p2p\/trades\/[^/]+\/chat$/, status: 503 });
    await world.client.sendMessage(TRADE_ID, 'mine');
    await world.clock.advance(2000);
    world.server.syncHeardThrough = Infinity;
    await world.clock.advance(10_000);
    assert.deepEqual(world.seqs(), [1, 2, 3]);
  });

  it('gives up a sync the server never answers (a vanished host), and polls again', async () => {
    const world = setup();
    await downWithThreeTrades(world);
    world.server.hold();
    await world.clock.advance(120_000);
    assert.ok(world.server.syncQueries().length >= 3, `${world.server.syncQueries().length} sync requests in 120 s`);
    world.server.release();
    world.server.append({}, OTHER);
    await world.clock.advance(30_000);
    assert.deepEqual(
      world.received.map((m) => [m.tradeId, m.seq]),
      [[OTHER, 1]],
    );
  });

  it('stops following a trade the sync refuses, and keeps the others', async () => {
    const world = setup();
    await downWithThreeTrades(world);
    world.server.refusedTrades.add(OTHER);
    world.server.append({}, THIRD);
    await world.clock.advance(2000);
    assert.deepEqual(world.unwatched, [{ tradeId: OTHER, error: 'forbidden' }]);
    assert.deepEqual(
      world.received.map((m) => m.tradeId),
      [THIRD],
    );
    await world.clock.advance(30_000);
    const later = world.server
      .syncQueries()
      .slice(1)
      .map((q) => q.get('trades')!);
    assert.ok(later.length > 0 && later.every((t) => !t.includes(OTHER)), later.join(' | '));
  });

  it('reports trades opened and changed while the socket was down, not the history', async () => {
    const world = setup();
    world.server.openTrade('00000000-0000-4000-8000-00000000old1');
    await live(world);
    const beforeDown = world.statuses.length;
    world.broker.current.lose();
    world.server.openTrade(OTHER, 'carol');
    world.server.setStatus('PAID', 60);
    await world.clock.advance(2000);

    assert.deepEqual(
      world.statuses.slice(beforeDown).map((s) => [s.tradeId, s.status, s.previousStatus]),
      [
        [OTHER, 'PENDING', null],
        [TRADE_ID, 'PAID', 'PENDING'],
      ],
    );
    assert.ok(!world.statuses.some((s) => s.tradeId.endsWith('old1')), 'the start-up backlog is history');
    const cursors = world.server.syncQueries().map((q) => q.get('tradesAfter'));
    assert.deepEqual(cursors.slice(0, 3), [null, '2', '2'], 'the cursor of the first answer is passed back');
  });

  it('reports a trade opened after the start-up sync was answered, also when a poll went out before that answer arrived', async () => {
    const world = setup();
    world.server.hold();
    world.client.start();
    await settle();
    // The start-up sync is answered (the history: TRADE_ID) but its answer is slow to arrive.
    world.server.openTrade(OTHER, 'carol');
    await world.clock.advance(2500); // the first poll is due meanwhile
    world.server.release();
    await settle();
    await world.clock.advance(2500);
    assert.deepEqual(
      world.statuses.map((s) => [s.tradeId, s.status]),
      [[OTHER, 'PENDING']],
      'TRADE_ID is history; OTHER opened after the first answer is news, not history',
    );
    assert.ok(
      world.server.syncQueries().every((q, i) => i === 0 || q.has('tradesAfter')),
      'one request asks for the history',
    );
  });

  it('falls back to plain polls when something cuts long polls, and keeps the interval', async () => {
    const world = setup();
    world.server.cutsLongPolls = true;
    await live(world, 1);
    world.broker.current.lose();
    const before = world.server.syncQueries().length;
    world.server.append();
    await world.clock.advance(11_000);
    const waits = world.server
      .syncQueries()
      .slice(before)
      .map((q) => q.get('wait'));
    // The long poll is cut (a failure: the next is one to two intervals away); the plain one after
    // it answers (news: again at once), so plain from then on.
    assert.deepEqual(waits, ['25', null, null, null, null, null]);
    assert.deepEqual(world.seqs(), [1, 2]);
  });

  it('tries long polls again after five minutes of plain polls, and at the next outage: what cut one may have passed', async () => {
    const world = setup();
    world.server.cutsLongPolls = true;
    await live(world, 1);
    world.broker.current.lose();
    const before = world.server.syncQueries().length;
    await world.clock.advance(5000);
    world.server.cutsLongPolls = false;
    await world.clock.advance(PLAIN_POLLS_FOR_MS);
    const waits = world.server
      .syncQueries()
      .slice(before)
      .map((q) => q.get('wait'));
    assert.deepEqual(waits.slice(0, 3), ['25', null, null]);
    assert.equal(waits.at(-1), '25', 'long polls again after five minutes');
    assert.ok(waits.filter((w) => w === '25').length <= 3);

    // Live again; in the next outage long polls are found cut again; the outage after it starts with a long poll.
    world.broker.current.connect();
    await settle();
    world.server.cutsLongPolls = true;
    let mark = world.server.syncQueries().length;
    world.broker.current.lose();
    await world.clock.advance(5000);
    assert.deepEqual(
      world.server
        .syncQueries()
        .slice(mark)
        .map((q) => q.get('wait')),
      ['25', null],
    );
    world.broker.current.connect();
    await settle();
    world.server.cutsLongPolls = false;
    mark = world.server.syncQueries().length;
    world.broker.current.lose();
    await world.clock.advance(3000);
    assert.equal(world.server.syncQueries()[mark]?.get('wait'), '25');
  });

  it('goes back to long polls when the plain poll failed too: the server was away, not the long poll', async () => {
    const world = setup();
    await live(world, 1);
    world.broker.current.lose();
    const before = world.server.syncQueries().length;
    world.server.reachable = false;
    await world.clock.advance(5000);
    world.server.reachable = true;
    // Two failures in a row: the next poll is one to four intervals away.
    await world.clock.advance(6000);
    const waits = world.server
      .syncQueries()
      .slice(before)
      .map((q) => q.get('wait'));
    assert.deepEqual(waits, ['25', null, '25']);
  });

  it('polls at the interval the server advises', async () => {
    const world = setup();
    world.server.holdsLongPolls = false;
    world.server.pollIntervalMs = 5000;
    await downWithThreeTrades(world);
    await world.clock.advance(20_000);
    // The first at the client's own 2 s, then the server's 5 s.
    assert.equal(world.server.syncQueries().length, 4);
  });

  it('waits for the Retry-After of a 503 before the next sync', async () => {
    const world = setup();
    await downWithThreeTrades(world);
    world.server.failures.push({ match: /^GET \/p2p\/sync$/, status: 503, retryAfterSeconds: 9 });
    await world.clock.advance(2000);
    assert.equal(world.server.syncQueries().length, 1);
    // Never before the Retry-After; the world's random (0.5) puts it half an interval after it.
    await world.clock.advance(9_999);
    assert.equal(world.server.syncQueries().length, 1);
    await world.clock.advance(1);
    assert.equal(world.server.syncQueries().length, 2);
  });

  it('ends a held long poll when the socket is back, and syncs once without waiting', async () => {
    const world = setup();
    await downWithThreeTrades(world);
    await world.clock.advance(3000);
    assert.equal(world.server.heldRequests, 1);
    world.broker.current.connect();
    await settle();
    assert.equal(world.server.heldRequests, 0);
    assert.equal(world.server.syncQueries().length, 2);
    assert.equal(world.server.syncQueries()[1]!.get('wait'), null);
    world.server.calls.length = 0;
    await world.clock.advance(60_000);
    assert.deepEqual(world.server.calls, []);
    assert.equal(world.client.state, 'live');
  });
});
