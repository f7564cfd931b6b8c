import assert from 'node:assert/strict';
import { RecentChat } from '../../src/sync/recent-chat.js';
import type { ChatMessage } from '../../src/contract/shapes.js';
import type { TradeRole } from '../../src/contract/trade-status.js';

const message = (seq: number, recipientRole: TradeRole | null = null, tradeId = 't'): ChatMessage => ({
  id: `${tradeId}-${seq}`,
  tradeId,
  seq,
  senderId: recipientRole ? null : 'u',
  senderRole: recipientRole ? null : 'BUYER',
  message: `m${seq}`,
  timestamp: new Date(seq).toISOString(),
  recipientRole,
  isSystemMessage: recipientRole !== null,
});
const seqs = (list: ChatMessage[] | undefined) => list?.map((m) => m.seq);

describe("the sync route's recent messages", () => {
  it('answers a cursor inside a run of consecutive seqs up to the head, with the side rules', () => {
    const recent = new RecentChat(4, 10);
    for (const m of [message(3), message(4, 'SELLER'), message(5)]) recent.add(m);
    assert.deepEqual(seqs(recent.between('t', 'SELLER', 2, 5)), [3, 4, 5]);
    assert.deepEqual(seqs(recent.between('t', 'BUYER', 3, 5)), [5]);
    assert.equal(recent.between('t', 'BUYER', 1, 5), undefined, 'seq 2 is not held: the database answers');
    assert.equal(recent.between('t', 'BUYER', 4, 6), undefined, 'the head is past the run');
    assert.equal(recent.between('other', 'BUYER', 0, 1), undefined);
  });

  it('starts a new run when a seq is skipped, ignores one heard twice, and keeps the last few', () => {
    const recent = new RecentChat(3, 10);
    for (const seq of [1, 2, 2, 4, 5, 6, 7]) recent.add(message(seq));
    assert.deepEqual(seqs(recent.between('t', 'BUYER', 4, 7)), [5, 6, 7]);
    assert.equal(recent.between('t', 'BUYER', 3, 7), undefined, 'seq 4 has left the run');
    assert.equal(recent.between('t', 'BUYER', 1, 7), undefined, 'seq 3 was never heard');
  });

  it('holds a bounded number of trades, the oldest going first', () => {
    const recent = new RecentChat(2, 2);
    for (const tradeId of ['a', 'b', 'c']) recent.add(message(1, null, tradeId));
    assert.equal(recent.between('a', 'BUYER', 0, 1), undefined);
    assert.deepEqual(seqs(recent.between('c', 'BUYER', 0, 1)), [1]);
  });
});
