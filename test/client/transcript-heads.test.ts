import assert from 'node:assert/strict';
import { TranscriptHeads } from '../../client/src/transcript.js';
import { topics } from '../../client/src/wire.js';
import { settle } from './support/fake-clock.js';
import { TRADE_ID } from './support/fake-server.js';
import { live, setup } from './support/world.js';

const OTHER = '1a2b3c4d-0000-4000-8000-000000000002';
const hash = (n: number) => n.toString(16).padStart(64, '0');

describe('client: the transcript hash it holds per trade', () => {
  it('keeps the highest chainSeq seen, whatever the order entries arrive in, per trade', () => {
    const heads = new TranscriptHeads();
    heads.note({ tradeId: TRADE_ID, chainSeq: 5, hash: hash(5) });
    heads.note({ tradeId: TRADE_ID, chainSeq: 3, hash: hash(3) });
    heads.note({ tradeId: TRADE_ID, chainSeq: 5, hash: hash(55) });
    assert.deepEqual(heads.last(TRADE_ID), { chainSeq: 5, hash: hash(5) }, 'an older or repeated entry does not replace the furthest');
    heads.note({ tradeId: TRADE_ID, chainSeq: 7, hash: hash(7) });
    assert.deepEqual(heads.last(TRADE_ID), { chainSeq: 7, hash: hash(7) });
    heads.note({ tradeId: TRADE_ID });
    assert.deepEqual(heads.last(TRADE_ID), { chainSeq: 7, hash: hash(7) }, 'a message without a link (an unsigned entry) changes nothing');
    heads.note({ tradeId: OTHER, chainSeq: 2, hash: hash(2) });
    assert.deepEqual(heads.last(OTHER), { chainSeq: 2, hash: hash(2) });
    assert.deepEqual(heads.last(TRADE_ID), { chainSeq: 7, hash: hash(7) });
    assert.equal(heads.last('1a2b3c4d-0000-4000-8000-000000000009'), undefined);
  });

  it('learns the hash of a message pushed on the socket', async () => {
    const world = setup();
    await live(world);
    const pushed = world.server.append();
    world.broker.current.push(topics.tradeChat(TRADE_ID), pushed);
    await settle();
    assert.deepEqual(world.seqs(), [1]);
    assert.deepEqual(world.client.lastTranscriptHash(TRADE_ID), { chainSeq: pushed.chainSeq, hash: pushed.hash });
  });

  it('learns the hash of a message it got while polling through GET /sync, socket down', async () => {
    const world = setup();
    await live(world);
    world.broker.current.lose();
    const polled = world.server.append();
    await world.clock.advance(2000);
    assert.deepEqual(world.seqs(), [1]);
    assert.deepEqual(world.client.lastTranscriptHash(TRADE_ID), { chainSeq: polled.chainSeq, hash: polled.hash });
  });

  it('learns the hash of a message from the chat route (a server without GET /sync) and of its own send', async () => {
    const world = setup();
    world.server.syncAvailable = false;
    await live(world);
    world.broker.current.lose();
    const polled = world.server.append();
    await world.clock.advance(2000);
    assert.deepEqual(world.seqs(), [1]);
    assert.deepEqual(world.client.lastTranscriptHash(TRADE_ID), { chainSeq: polled.chainSeq, hash: polled.hash });
    const sent = await world.client.sendMessage(TRADE_ID, 'mine');
    assert.deepEqual(world.client.lastTranscriptHash(TRADE_ID), { chainSeq: sent.chainSeq, hash: sent.hash });
  });

  it('keeps a pushed status entry over an older message polled after it', async () => {
    const world = setup();
    await live(world);
    const older = world.server.append();
    const status = { eventId: 'e1', tradeId: TRADE_ID, status: 'PAID', previousStatus: 'PENDING', actorId: 'alice', buyerId: 'alice', sellerId: 'bob' };
    world.broker.current.push(topics.trade(TRADE_ID), { ...status, timestamp: '2026-01-01T00:01:00.000Z', chainSeq: 9, hash: hash(9) });
    world.broker.current.lose();
    await world.clock.advance(2000);
    assert.deepEqual(world.seqs(), [older.seq]);
    assert.deepEqual(world.client.lastTranscriptHash(TRADE_ID), { chainSeq: 9, hash: hash(9) });
  });
});
