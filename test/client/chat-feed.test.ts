import assert from 'node:assert/strict';
import { ChatFeed } from '../../client/src/chat-feed.js';
import type { ChatMessage } from '../../client/src/wire.js';

const TRADE = 't1';
const message = (seq: number, tradeId = TRADE): ChatMessage => ({
  id: `m${seq}`,
  tradeId,
  seq,
  senderId: 'bob',
  senderRole: 'SELLER',
  message: `#${seq}`,
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  recipientRole: null,
  isSystemMessage: false,
});
const seqs = (messages: readonly ChatMessage[]) => messages.map((m) => m.seq);

describe('client: chat feed', () => {
  it('delivers in seq order, holding a message until the one before it arrives', () => {
    const feed = new ChatFeed(TRADE);
    assert.deepEqual(seqs(feed.receive(message(1))), [1]);
    assert.deepEqual(seqs(feed.receive(message(3))), []);
    assert.equal(feed.hasGap, true);
    assert.equal(feed.horizon, 3);
    assert.deepEqual(seqs(feed.receive(message(2))), [2, 3]);
    assert.equal(feed.hasGap, false);
    assert.equal(feed.cursor, 3);
    assert.deepEqual(seqs(feed.messages), [1, 2, 3]);
  });

  it('drops duplicates by id, delivered or held', () => {
    const feed = new ChatFeed(TRADE);
    feed.receive(message(1));
    feed.receive(message(3));
    assert.deepEqual(seqs(feed.receive(message(1))), []);
    assert.deepEqual(seqs(feed.receive(message(3))), []);
    assert.deepEqual(seqs(feed.settle([message(1), message(2), message(3)], 3)), [2, 3]);
    assert.deepEqual(seqs(feed.messages), [1, 2, 3]);
  });

  it("settles past seqs this user cannot see (the other side's system messages)", () => {
    const feed = new ChatFeed(TRADE);
    feed.receive(message(1));
    feed.receive(message(4));
    // REST, asked for seq > 1, has only 4: seq 2 and 3 belong to the other side.
    assert.deepEqual(seqs(feed.settle([message(4)], 4)), [4]);
    assert.equal(feed.cursor, 4);
    assert.equal(feed.hasGap, false);
    assert.deepEqual(seqs(feed.receive(message(5))), [5]);
  });

  it('moves the cursor over an empty settled range and keeps later held messages', () => {
    const feed = new ChatFeed(TRADE);
    feed.receive(message(6));
    assert.deepEqual(seqs(feed.settle([message(2)], 4)), [2]);
    assert.equal(feed.cursor, 4);
    assert.equal(feed.hasGap, true);
    assert.deepEqual(seqs(feed.receive(message(5))), [5, 6]);
  });

  it('sorts a fetched page that arrives out of order', () => {
    const feed = new ChatFeed(TRADE);
    assert.deepEqual(seqs(feed.settle([message(3), message(1), message(2)], 3)), [1, 2, 3]);
  });

  it("ignores other trades' messages", () => {
    const feed = new ChatFeed(TRADE);
    assert.deepEqual(seqs(feed.receive(message(1, 'other'))), []);
    assert.equal(feed.cursor, 0);
  });
});
