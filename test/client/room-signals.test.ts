import assert from 'node:assert/strict';
import type { RealtimeEvents } from '../../client/src/realtime-client.js';
import { appDestinations, topics } from '../../client/src/wire.js';
import { settle } from './support/fake-clock.js';
import { BUYER, SELLER, TRADE_ID } from './support/fake-server.js';
import { live, setup } from './support/world.js';

const READ_SEND = appDestinations.read(TRADE_ID);
const TYPING_SEND = appDestinations.typing(TRADE_ID);
const AT = '2026-01-01T00:00:05.000Z';
const ROOM_TOPICS = [topics.tradeRead, topics.tradeTyping, topics.tradePresence];

describe('client: read receipts, typing and presence', () => {
  it('emits typed read, typing and presence events of a watched trade, and drops malformed ones', async () => {
    const world = setup();
    await live(world);
    const seen: { [K in 'read' | 'typing' | 'presence']: RealtimeEvents[K][] } = { read: [], typing: [], presence: [] };
    world.client.on('read', (e) => seen.read.push(e));
    world.client.on('typing', (e) => seen.typing.push(e));
    world.client.on('presence', (e) => seen.presence.push(e));
    const link = world.broker.current;
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: 3, at: AT });
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: '3', at: AT });
    link.push(topics.tradeTyping(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, at: AT });
    link.push(topics.tradeTyping(TRADE_ID), { tradeId: TRADE_ID });
    link.push(topics.tradePresence(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, online: true });
    link.push(topics.tradePresence(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, online: 'yes' });
    assert.deepEqual(seen, {
      read: [{ tradeId: TRADE_ID, userId: SELLER, seq: 3, at: AT }],
      typing: [{ tradeId: TRADE_ID, userId: SELLER, at: AT }],
      presence: [{ tradeId: TRADE_ID, userId: SELLER, online: true }],
    });
  });

  it("keeps no read state in a mediator's room: neither party's receipt is taken for a peer's (both still come as read events)", async () => {
    const world = setup({ userId: 'mia' });
    world.server.mediated = true;
    const reads: RealtimeEvents['reads'][] = [];
    const receipts: RealtimeEvents['read'][] = [];
    world.client.on('reads', (r) => reads.push(r));
    world.client.on('read', (r) => receipts.push(r));
    await live(world, 3);
    world.broker.current.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: BUYER, seq: 3, at: AT });
    world.broker.current.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: 1, at: AT });
    assert.equal(receipts.length, 2);
    assert.deepEqual(reads, []);
    assert.equal(world.client.readState(TRADE_ID), undefined);
  });

  it("takes only the other party's receipts as the peer's read seq", async () => {
    const world = setup();
    await live(world, 3);
    world.broker.current.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: 'someone-else', seq: 3, at: AT });
    assert.deepEqual(world.client.readState(TRADE_ID), { readSeq: 0, peerReadSeq: 0 });
    world.broker.current.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: 2, at: AT });
    assert.deepEqual(world.client.readState(TRADE_ID), { readSeq: 0, peerReadSeq: 2 });
  });

  it('unsubscribes the room topics with the trade', async () => {
    const world = setup();
    await live(world);
    world.client.unwatchTrade(TRADE_ID);
    for (const topic of [topics.tradeRead, topics.tradeTyping, topics.tradePresence])
      assert.equal(world.broker.current.subscriptions.has(topic(TRADE_ID)), false);
  });

  it('subscribes read, typing and presence only for a room: a trade followed in the background, or a room left, has chat and status only', async () => {
    const world = setup();
    await live(world);
    const background = '1a2b3c4d-0000-4000-8000-000000000001';
    world.server.openTrade(background);
    await world.client.watchTrade(background);
    const subscribed = (tradeId: string) => ROOM_TOPICS.filter((topic) => world.broker.current.subscriptions.has(topic(tradeId)));
    assert.deepEqual(subscribed(background), []);
    assert.ok(world.broker.current.subscriptions.has(topics.tradeChat(background)));
    // Opened as a room: its signals follow; the room left, they go, and the chat stays followed.
    await world.client.watchTrade(background, { room: true });
    assert.deepEqual(subscribed(background), ROOM_TOPICS);
    world.client.leaveRoom(TRADE_ID);
    assert.deepEqual(subscribed(TRADE_ID), []);
    assert.ok(world.broker.current.subscriptions.has(topics.tradeChat(TRADE_ID)));
    // A reconnect subscribes the same.
    world.broker.current.lose();
    await world.clock.advance(1000);
    world.broker.current.connect();
    await settle();
    assert.deepEqual([subscribed(TRADE_ID), subscribed(background)], [[], ROOM_TOPICS]);
  });

  it('marks read over the socket with a receipt, over REST while polling, and never sends a seq it has already marked', async () => {
    const world = setup();
    await live(world, 5);
    let done = false;
    const marking = world.client.markRead(TRADE_ID, 3).then(() => (done = true));
    await settle();
    const [frame] = world.broker.current.sentTo(READ_SEND);
    assert.deepEqual(JSON.parse(frame!.body), { seq: 3 });
    assert.equal(done, false, 'resolved before the RECEIPT');
    world.broker.current.receipt(frame!.receipt);
    await marking;
    await world.client.markRead(TRADE_ID, 2);
    await world.client.markRead(TRADE_ID, 3);
    assert.equal(world.broker.current.sentTo(READ_SEND).length, 1);

    world.broker.current.lose();
    await world.client.markRead(TRADE_ID, 5);
    assert.equal(world.server.readSeqs.get(TRADE_ID), 5);
    assert.equal(world.broker.links[0]!.sentTo(READ_SEND).length, 1);
  });

  it('sends typing over a live socket at most once a second per trade, and not at all while polling', async () => {
    const world = setup();
    await live(world);
    const sent = () => world.broker.current.sentTo(TYPING_SEND).length;
    assert.equal(world.client.typing(TRADE_ID), true);
    for (let i = 0; i < 9; i++) {
      await world.clock.advance(100);
      world.client.typing(TRADE_ID);
    }
    assert.equal(sent(), 1, 'throttled within the second');
    await world.clock.advance(100);
    assert.equal(world.client.typing(TRADE_ID), true);
    assert.equal(sent(), 2);
    assert.equal(world.broker.current.sentTo(TYPING_SEND)[0]!.receipt, undefined, 'fire and forget: no receipt');

    world.broker.current.lose();
    await world.clock.advance(5000);
    assert.equal(world.client.typing(TRADE_ID), false);
    assert.equal(
      world.server.calls.some((c) => c.includes('typing')),
      false,
      'typing never goes over REST',
    );
  });

  it("keeps each watched trade's read state (own and peer seqs) from the trade, socket receipts, markRead and, while polling, sync", async () => {
    const world = setup();
    world.server.peerReads(1);
    const reads: RealtimeEvents['reads'][] = [];
    world.client.on('reads', (r) => reads.push(r));
    await live(world, 4);
    assert.deepEqual(reads, [{ tradeId: TRADE_ID, readSeq: 0, peerReadSeq: 1 }]);

    const link = world.broker.current;
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: 2, at: AT });
    // Late or repeated receipts move nothing back.
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: 1, at: AT });
    // This user's own read on another device.
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: BUYER, seq: 3, at: AT });
    const marking = world.client.markRead(TRADE_ID, 4);
    await settle();
    link.receipt(link.sentTo(appDestinations.read(TRADE_ID))[0]!.receipt);
    await marking;
    assert.deepEqual(reads.slice(1), [
      { tradeId: TRADE_ID, readSeq: 0, peerReadSeq: 2 },
      { tradeId: TRADE_ID, readSeq: 3, peerReadSeq: 2 },
      { tradeId: TRADE_ID, readSeq: 4, peerReadSeq: 2 },
    ]);

    // While polling: the long poll carries the read seqs held, and answers as soon as one moves.
    link.lose();
    await world.clock.advance(2000);
    assert.equal(world.server.heldRequests, 1);
    const query = world.server.syncQueries().at(-1)!;
    assert.equal(query.get('trades'), `${TRADE_ID}:4:4:2`);
    world.server.peerReads(4);
    await settle();
    assert.deepEqual(reads.at(-1), { tradeId: TRADE_ID, readSeq: 4, peerReadSeq: 4 });
    assert.deepEqual(world.client.readState(TRADE_ID), { readSeq: 4, peerReadSeq: 4 });
    world.client.unwatchTrade(TRADE_ID);
    assert.equal(world.client.readState(TRADE_ID), undefined);
  });
});

describe("client: staying within the gateway's subscriptions per connection", () => {
  const tradeIds = Array.from({ length: 30 }, (_, i) => `1a2b3c4d-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);

  it('stays live following 30 trades under the default limit of 100, across a reconnect', async () => {
    const world = setup();
    world.broker.maxSubscriptions = 100;
    await live(world);
    for (const id of tradeIds) {
      world.server.openTrade(id);
      await world.client.watchTrade(id);
    }
    await world.client.watchTrade(tradeIds[0]!, { room: true });
    assert.equal(world.client.state, 'live');
    world.broker.current.lose();
    await world.clock.advance(1000);
    world.broker.current.connect();
    await settle();
    assert.equal(world.client.state, 'live');
    assert.equal(world.broker.current.closed, false, 'the gateway refused a subscription');
    assert.ok(world.broker.current.subscriptions.has(topics.tradeChat(tradeIds.at(-1)!)));
  });

  it('refuses to watch a trade, or open a room, past its budget rather than have every connect refused; unwatching makes room', async () => {
    // 3 for the user's own destinations, 2 per trade, 3 more for a room.
    const world = setup({ maxSubscriptions: 12 });
    world.broker.maxSubscriptions = 12;
    await live(world);
    for (const id of tradeIds.slice(0, 3)) world.server.openTrade(id);
    await world.client.watchTrade(tradeIds[0]!);
    await world.client.watchTrade(tradeIds[1]!);
    await assert.rejects(world.client.watchTrade(tradeIds[2]!), (err: unknown) => err instanceof RangeError && /12 subscriptions/.test(err.message));
    await assert.rejects(world.client.watchTrade(tradeIds[0]!, { room: true }), RangeError);
    assert.equal(world.broker.current.subscriptions.has(topics.tradeChat(tradeIds[2]!)), false);
    assert.deepEqual(world.client.messages(tradeIds[2]!), []);
    world.client.leaveRoom(TRADE_ID);
    await world.client.watchTrade(tradeIds[2]!);
    assert.equal(world.client.state, 'live');
    assert.equal(world.broker.current.closed, false);
  });
});
