import assert from 'node:assert/strict';
import { ApiError } from '../../client/src/rest-api.js';
import { topics, userDestinations, type Notification, type TradeStatusEvent } from '../../client/src/wire.js';
import { settle } from './support/fake-clock.js';
import { BUYER, chatCursors, SELLER, TRADE_ID } from './support/fake-server.js';
import { live, lostWithOneMissed, setup } from './support/world.js';

const CHAT = topics.tradeChat(TRADE_ID);
const afterSeq = (n: number) => `afterSeq=${n}&limit=1000`;

describe('client: realtime client state machine', () => {
  it('connects over the socket first, with a Bearer token, and does not poll while live', async () => {
    const world = setup();
    world.client.start();
    await settle();
    assert.equal(world.broker.links.length, 1);
    assert.match(world.broker.current.headers.Authorization ?? '', /^Bearer token-\d+$/);
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    world.server.append();
    world.server.append();
    await world.client.watchTrade(TRADE_ID, { room: true });
    assert.deepEqual(
      [...world.broker.current.subscriptions.keys()].sort(),
      [
        topics.trade(TRADE_ID),
        CHAT,
        topics.tradeRead(TRADE_ID),
        topics.tradeTyping(TRADE_ID),
        topics.tradePresence(TRADE_ID),
        topics.userNotifications(BUYER),
        topics.userTrades(BUYER),
        userDestinations.errors,
      ].sort(),
    );
    assert.deepEqual(world.seqs(), [1, 2]);

    await world.clock.advance(30_000);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0)]);
  });

  it('on a server without GET /sync (404), polls each resource every 2 s from the cursor', async () => {
    const world = setup();
    world.server.syncAvailable = false;
    await live(world, 2);
    world.broker.current.lose();
    assert.equal(world.client.state, 'polling');
    world.server.append();

    await world.clock.advance(1999);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0)]);
    await world.clock.advance(1);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(2)]);
    assert.deepEqual(world.seqs(), [1, 2, 3]);
    await world.clock.advance(2000);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(2), afterSeq(3)]);
    assert.equal(world.server.syncQueries().length, 1, 'asked once, at start-up');
  });

  it('after a reconnect, tries the catch-up again when the server sheds it (503), after its Retry-After', async () => {
    const world = setup();
    await live(world, 1);
    world.broker.current.lose();
    // Committed while the socket was down, before any poll: only the catch-up can bring them.
    world.server.append();
    world.server.notify('during the outage', 5);
    await world.clock.advance(600);
    world.server.failures.push({ match: /^GET \/p2p\/sync$/, status: 503, retryAfterSeconds: 3 });
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    await world.clock.advance(10_000);
    assert.deepEqual(world.seqs(), [1, 2]);
    assert.deepEqual(
      world.notifications.map((n) => n.id),
      ['during the outage'],
    );
  });

  it('after a reconnect, tries a shed catch-up again one interval later each time: it does not back off as polls do', async () => {
    const world = setup();
    await live(world, 1);
    world.broker.current.lose();
    world.server.append();
    await world.clock.advance(600);
    for (let i = 0; i < 3; i++) world.server.failures.push({ match: /^GET \/p2p\/sync$/, status: 503 });
    const fresh = () => world.server.syncQueries().filter((q) => q.get('fresh') === '1').length;
    const before = fresh();
    const catchUps = () => fresh() - before;
    world.broker.current.connect();
    await settle();
    // The catch-up is what ends the client's wait for what the socket cannot bring: one interval
    // (2 s, jitter adding nothing here) between tries, where a poll's window would widen.
    const tries = [catchUps()];
    for (let i = 0; i < 3; i++) {
      await world.clock.advance(2_000);
      tries.push(catchUps());
    }
    assert.deepEqual(tries, [1, 2, 3, 4]);
    assert.deepEqual(world.seqs(), [1, 2]);
  });

  it('after a reconnect, gives up a catch-up that is never answered and asks again: a live socket brings nothing committed before it', async () => {
    const world = setup();
    await live(world, 1);
    await lostWithOneMissed(world);
    world.server.failures.push({ match: /^GET \/p2p\/sync$/, status: 0, unanswered: true });
    const catchUps = () => world.server.syncQueries().filter((q) => q.get('fresh') === '1').length;
    const before = catchUps();
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    await world.clock.advance(90_000);
    assert.deepEqual(world.seqs(), [1, 2]);
    assert.equal(catchUps() - before, 2, 'the catch-up, given up, and its second try');
  });

  it('gives up a start-up sync that is never answered: the catch-up after the connect, which waits for it, is not held for good', async () => {
    const world = setup();
    world.server.notify('before start-up', 5);
    world.server.failures.push({ match: /^GET \/p2p\/sync$/, status: 0, unanswered: true });
    world.client.start();
    await settle();
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    await world.clock.advance(90_000);
    assert.equal(world.server.syncQueries().length, 2, 'the start-up sync, given up, then the catch-up');
    assert.equal(world.unread.at(-1), 1);
  });

  it('abandons the start-up sync on stop(): nothing of it lands after, and no timer is left', async () => {
    const world = setup();
    world.server.notify('before start-up', 5);
    world.server.hold();
    world.client.start();
    await settle();
    world.client.stop();
    world.server.release();
    await world.clock.advance(90_000);
    assert.deepEqual(world.notifications, []);
    assert.deepEqual(world.unread, []);
    assert.deepEqual(world.clock.pending(), []);
  });

  it("on a server without the sync route, tries a reconnect's catch-up again when a part of it fails", async () => {
    const world = setup();
    world.server.syncAvailable = false;
    await live(world, 1);
    await lostWithOneMissed(world);
    world.server.failures.push({ match: /^GET \/p2p\/trades\/[^/]+\/chat$/, status: 503, retryAfterSeconds: 1 });
    world.broker.current.connect();
    await settle();
    await world.clock.advance(10_000);
    assert.deepEqual(world.seqs(), [1, 2]);
  });

  it('on a server without the sync route, does not ask again and again for a trade it is refused', async () => {
    const world = setup();
    world.server.syncAvailable = false;
    await live(world, 1);
    await lostWithOneMissed(world);
    for (let i = 0; i < 10; i++) world.server.failures.push({ match: /^GET \/p2p\/trades\/[^/]+$/, status: 403 });
    const tradeReads = () => world.server.calls.filter((c) => /^GET \/p2p\/trades\/[^/?]+$/.test(c)).length;
    const before = tradeReads();
    world.broker.current.connect();
    await settle();
    await world.clock.advance(30_000);
    assert.equal(tradeReads() - before, 1);
    assert.deepEqual(world.seqs(), [1, 2]);
  });

  it('abandons a catch-up in flight when the connection ends, and nothing of it lands after stop()', async () => {
    const world = setup();
    await live(world, 1);
    await lostWithOneMissed(world);
    world.server.notify('during the outage', 5);
    world.server.hold();
    world.broker.current.connect();
    await settle();
    const catchUps = world.server.syncQueries().length;
    world.client.stop();
    world.server.release();
    await world.clock.advance(60_000);
    assert.deepEqual([world.seqs(), world.notifications], [[1], []], 'the answer of the abandoned catch-up is not applied');
    assert.equal(world.server.syncQueries().length, catchUps, 'and it is not tried again');
    assert.deepEqual(world.clock.pending(), [], 'no timer left');
  });

  it('on reconnect, stops polling and syncs once from the cursors, with no duplicates', async () => {
    const world = setup();
    world.server.holdsLongPolls = false;
    await live(world, 2);
    world.broker.current.lose();
    world.server.append();
    await world.clock.advance(2000);
    assert.deepEqual(world.seqs(), [1, 2, 3]);

    // The reconnect attempt (after 500 ms) succeeds only now; meanwhile 4 and 5 were missed.
    const missed = [world.server.append(), world.server.append()];
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    world.broker.current.push(CHAT, missed[1]!);
    await world.clock.advance(30_000);

    // Start-up and the first connect (nothing watched yet), two polls (news, then at once), the catch-up.
    assert.deepEqual(
      world.server.syncQueries().map((q) => [chatCursors(q), q.get('wait')]),
      [
        [null, null],
        [null, null],
        [`${TRADE_ID}:2`, '25'],
        [`${TRADE_ID}:3`, '25'],
        [`${TRADE_ID}:3`, null],
      ],
    );
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0)]);
    assert.deepEqual(world.seqs(), [1, 2, 3, 4, 5]);
    assert.deepEqual(world.states, ['polling', 'live', 'polling', 'live']);
  });

  it('keeps seq order when the socket and a fetch deliver out of order', async () => {
    const world = setup();
    await live(world, 1);
    const [m2, m3, m4] = [world.server.append(), world.server.append(), world.server.append()];
    world.server.hold();
    world.broker.current.push(CHAT, m4);
    await settle();
    world.broker.current.push(CHAT, m3);
    assert.deepEqual(world.seqs(), [1]);
    world.server.release();
    await settle();
    world.broker.current.push(CHAT, m2);
    world.broker.current.push(CHAT, m4);

    assert.deepEqual(world.seqs(), [1, 2, 3, 4]);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(1)]);
  });

  it('fills a gap in seq seen on the socket with one fetch', async () => {
    const world = setup();
    await live(world, 1);
    world.server.append();
    world.broker.current.push(CHAT, world.server.append());
    await settle();
    assert.deepEqual(world.seqs(), [1, 2, 3]);
    await world.clock.advance(30_000);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(1)]);
  });

  it('accepts a gap the fetch cannot fill: a system message for the other side', async () => {
    const world = setup();
    await live(world, 1);
    world.server.append({ senderId: null, recipientRole: 'SELLER', text: 'for the seller only' });
    world.broker.current.push(CHAT, world.server.append());
    await settle();
    assert.deepEqual(world.seqs(), [1, 3]);

    world.broker.current.push(CHAT, world.server.append());
    await world.clock.advance(30_000);
    assert.deepEqual(world.seqs(), [1, 3, 4]);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(1)]);
  });

  it('retries a failed gap fetch while live, and delivers once REST answers', async () => {
    const world = setup();
    await live(world, 1);
    world.server.append();
    world.server.reachable = false;
    world.broker.current.push(CHAT, world.server.append());
    await settle();
    assert.deepEqual(world.seqs(), [1]);
    world.server.reachable = true;
    await world.clock.advance(2000);
    assert.deepEqual(world.seqs(), [1, 2, 3]);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(1), afterSeq(1)]);
  });

  it('gives up a gap fetch that is never answered and fetches again: the messages behind the gap are not held for good', async () => {
    const world = setup();
    await live(world, 1);
    world.server.append();
    world.server.failures.push({ match: /^GET \/p2p\/trades\/[^/]+\/chat$/, status: 0, unanswered: true });
    world.broker.current.push(CHAT, world.server.append());
    await settle();
    assert.deepEqual(world.seqs(), [1]);
    await world.clock.advance(90_000);
    assert.deepEqual(world.seqs(), [1, 2, 3]);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(1), afterSeq(1)]);
  });

  it('pages through a backlog longer than one page', async () => {
    const world = setup();
    await live(world, 1500);
    assert.deepEqual(world.server.chatQueries(), [afterSeq(0), afterSeq(1000)]);
    assert.deepEqual(
      world.seqs(),
      Array.from({ length: 1500 }, (_, i) => i + 1),
    );
  });

  it('asks for a token at every connect and reconnects with jittered backoff', async () => {
    const world = setup({ reconnect: { baseMs: 1000, maxMs: 4000 } });
    world.client.start();
    await settle();
    const connectsAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      world.broker.current.lose();
      const before = world.broker.links.length;
      while (world.broker.links.length === before) await world.clock.advance(1);
      connectsAt.push(world.clock.now());
    }
    // Ceilings 1000, 2000, 4000, 4000 (capped), each halved by random() = 0.5.
    assert.deepEqual(connectsAt, [500, 1500, 3500, 5500]);
    const headers = world.broker.links.map((l) => l.headers.Authorization);
    assert.equal(new Set(headers).size, 5, `a fresh token per attempt: ${headers.join(', ')}`);
  });

  it('does not grow the backoff after a try that reached a live but slow gateway (CONNECT or RECEIPT timed out)', async () => {
    const world = setup({ reconnect: { baseMs: 1000, maxMs: 30_000 } });
    world.client.start();
    await settle();
    const connectsAt: number[] = [];
    for (const loss of [{}, { slow: true }, { slow: true }, { slow: true, connected: true }, {}]) {
      world.broker.current.lose(loss);
      const before = world.broker.links.length;
      while (world.broker.links.length === before) await world.clock.advance(1);
      connectsAt.push(world.clock.now());
    }
    // Ceilings 1000 (the loss), 1000 three times (slow: not raised), then 2000; halved by random() = 0.5.
    assert.deepEqual(connectsAt, [500, 1000, 1500, 2000, 3000]);
  });

  it('starts the backoff over only after a connection whose subscriptions were confirmed', async () => {
    const world = setup();
    const reconnectDelay = () => world.clock.pending().filter((d) => d !== 2000); // 2000: the poller
    world.broker.confirms = false;
    world.client.start();
    await settle();
    world.broker.current.lose();
    await world.clock.advance(500);
    // Connected, but the subscriptions are never confirmed (refused with an ERROR, say).
    world.broker.confirms = true;
    world.broker.current.connect();
    await settle();
    world.broker.current.lose();
    assert.deepEqual(reconnectDelay(), [1000]);
    await world.clock.advance(1000);
    world.broker.current.connect();
    await settle();
    world.broker.current.lose();
    assert.deepEqual(reconnectDelay(), [500]);
  });

  it('reports offline when REST fails too, and polling again when it answers', async () => {
    const world = setup();
    await live(world, 1);
    world.broker.current.lose();
    world.server.reachable = false;
    await world.clock.advance(2000);
    assert.equal(world.client.state, 'offline');
    world.server.reachable = true;
    world.server.append();
    // After a failed poll, the next is one to two intervals away (backoff).
    await world.clock.advance(4000);
    assert.equal(world.client.state, 'polling');
    assert.deepEqual(world.seqs(), [1, 2]);
    assert.deepEqual(world.states, ['polling', 'live', 'polling', 'offline', 'polling']);
  });

  it("in sinceMode polls the plan's path by the last timestamp", async () => {
    const world = setup({ sinceMode: true });
    await live(world, 2);
    world.broker.current.lose();
    world.server.append();
    await world.clock.advance(2000);
    const since = world.received[1]!.timestamp;
    assert.deepEqual(world.server.chatQueries(), ['limit=1000', new URLSearchParams({ since, limit: '1000' }).toString()]);
    assert.ok(world.server.calls.every((c) => c.split(' ')[1]!.startsWith('/api/p2p/')));
    assert.deepEqual(world.seqs(), [1, 2, 3]);
  });

  it('reports each status change once, from either topic or from polling', async () => {
    const world = setup();
    await live(world);
    const paid: TradeStatusEvent = {
      eventId: 'e1',
      tradeId: TRADE_ID,
      buyerId: BUYER,
      sellerId: SELLER,
      actorId: BUYER,
      previousStatus: 'PENDING',
      status: 'PAID',
      timestamp: '2026-01-01T00:10:00.000Z',
    };
    world.broker.current.push(topics.trade(TRADE_ID), paid);
    world.broker.current.push(topics.userTrades(BUYER), paid);
    world.broker.current.lose();
    world.server.setStatus('RELEASED', 900);
    await world.clock.advance(2000);
    await world.clock.advance(2000);

    assert.deepEqual(
      world.statuses.map((s) => [s.status, s.previousStatus, s.eventId]),
      [
        ['PENDING', null, null],
        ['PAID', 'PENDING', 'e1'],
        ['RELEASED', 'PAID', null],
      ],
    );
  });

  it('counts the notification backlog as unread and announces only new ones, once', async () => {
    const world = setup();
    world.server.notify('n1', 1);
    await live(world);
    assert.deepEqual(world.unread, [1]);
    const n2 = world.server.notify('n2', 2);
    world.broker.current.push(topics.userNotifications(BUYER), {
      eventId: 'e2',
      userId: BUYER,
      notificationId: n2.id,
      type: n2.type,
      message: n2.message,
      timestamp: n2.createdAt,
    });
    world.broker.current.lose();
    world.server.notify('n3', 3);
    await world.clock.advance(2000);
    await world.client.markNotificationRead('n1');

    assert.deepEqual(
      world.notifications.map((n) => n.id),
      ['n2', 'n3'],
    );
    assert.deepEqual(world.unread, [1, 2, 3, 2]);
    assert.equal(world.client.unreadCount, 2);
    assert.deepEqual(
      world.client.notifications().map((n) => [n.id, n.read]),
      [
        ['n3', false],
        ['n2', false],
        ['n1', true],
      ],
    );
  });

  it('polls notifications after the last seq it holds with none missing before it', async () => {
    const world = setup();
    world.server.notify('n1', 1);
    await live(world);
    const [, n3, n4] = [world.server.notify('n2', 2), world.server.notify('n3', 3), world.server.notify('n4', 4)];
    const push = (n: Notification, seq: number | undefined) =>
      world.broker.current.push(topics.userNotifications(BUYER), {
        eventId: `e-${n.id}`,
        userId: BUYER,
        notificationId: n.id,
        type: n.type,
        message: n.message,
        timestamp: n.createdAt,
        seq,
      });
    // n2's push is still on its way when n3's arrives; n4's publisher sets no seq.
    push(n3!, 3);
    push(n4!, undefined);
    const before = world.server.syncQueries().length;
    world.broker.current.lose();
    await world.clock.advance(2000);
    world.server.notify('n5', 5);
    await world.clock.advance(2000);

    // From 1 (n2 missing), then from 4 and, after n5 woke that long poll, from 5.
    const polls = world.server
      .syncQueries()
      .slice(before)
      .map((q) => q.get('notificationsAfterSeq'));
    assert.deepEqual(polls, ['1', '4', '5']);
    assert.deepEqual(
      world.notifications.map((n) => n.id),
      ['n3', 'n4', 'n2', 'n5'],
    );
    assert.deepEqual(
      world.client.notifications().map((n) => [n.id, n.seq]),
      [
        ['n5', 5],
        ['n4', 4],
        ['n3', 3],
        ['n2', 2],
        ['n1', 1],
      ],
    );
  });

  it("shows a sent message at once and drops the socket's copy", async () => {
    const world = setup();
    await live(world, 1);
    const sent = await world.client.sendMessage(TRADE_ID, 'Chào bạn 👋');
    world.broker.current.push(CHAT, sent);
    assert.deepEqual(
      world.received.map((m) => m.message),
      ['message 1', 'Chào bạn 👋'],
    );
  });

  it('refuses to watch a trade the API refuses, and subscribes to nothing for it', async () => {
    const world = setup();
    await live(world);
    const before = [...world.broker.current.subscriptions.keys()];
    await assert.rejects(world.client.watchTrade('11111111-2222-4333-8444-555555555555'), (err: unknown) => err instanceof ApiError && err.status === 404);
    assert.deepEqual([...world.broker.current.subscriptions.keys()], before);
  });

  it('follows nothing of a trade it may read but whose chat it may not (an admin), so reconnects are not refused', async () => {
    const world = setup();
    world.client.start();
    await settle();
    world.broker.current.connect();
    await settle();
    const before = world.broker.current.subscriptions.size;
    world.server.chatForbidden = true;
    await assert.rejects(world.client.watchTrade(TRADE_ID), (err: unknown) => err instanceof ApiError && err.status === 403);
    assert.equal(world.broker.current.subscriptions.size, before);
    assert.deepEqual(world.client.messages(TRADE_ID), []);
  });

  it('accepts a poll period of 2–3 s only', () => {
    assert.throws(() => setup({ pollIntervalMs: 1000 }), RangeError);
    assert.throws(() => setup({ pollIntervalMs: 5000 }), RangeError);
    assert.equal(setup({ pollIntervalMs: 3000 }).client.state, 'offline');
  });

  it('stops polling and reconnecting on stop()', async () => {
    const world = setup();
    await live(world, 1);
    world.broker.current.lose();
    world.client.stop();
    const calls = world.server.calls.length;
    await world.clock.advance(60_000);
    assert.equal(world.server.calls.length, calls);
    assert.equal(world.broker.links.length, 1);
    assert.equal(world.client.state, 'offline');
  });
});
