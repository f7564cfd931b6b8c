import assert from 'node:assert/strict';
import type { RealtimeEvents } from '../../client/src/realtime-client.js';
import { appDestinations, topics } from '../../client/src/wire.js';
import { SELLER, TRADE_ID } from './support/fake-server.js';
import { live, setup } from './support/world.js';

const TYPING_SEND = appDestinations.typing(TRADE_ID);
const AT = '2026-01-01T00:00:05.000Z';

describe('client: read receipts and typing', () => {
  it('emits typed read events of a watched trade, and drops malformed ones', async () => {
    const world = setup();
    await live(world);
    const seen: RealtimeEvents['read'][] = [];
    world.client.on('read', (e) => seen.push(e));
    const link = world.broker.current;
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: 3, at: AT });
    link.push(topics.tradeRead(TRADE_ID), { tradeId: TRADE_ID, userId: SELLER, seq: '3', at: AT });
    assert.deepEqual(seen, [{ tradeId: TRADE_ID, userId: SELLER, seq: 3, at: AT }]);
  });

  it('unsubscribes the room topics with the trade', async () => {
    const world = setup();
    await live(world);
    world.client.unwatchTrade(TRADE_ID);
    for (const topic of [topics.tradeRead]) assert.equal(world.broker.current.subscriptions.has(topic(TRADE_ID)), false);
  });

  it('marks read over REST, and never sends a seq it has already marked', async () => {
    const world = setup();
    await live(world, 5);
    await world.client.markRead(TRADE_ID, 3);
    assert.equal(world.server.readSeqs.get(TRADE_ID), 3);
    await world.client.markRead(TRADE_ID, 2);
    await world.client.markRead(TRADE_ID, 3);
    await world.client.markRead(TRADE_ID, 5);
    assert.equal(world.server.calls.filter((c) => c.startsWith('POST') && c.endsWith('/read')).length, 2);
    assert.equal(world.server.readSeqs.get(TRADE_ID), 5);
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
});
