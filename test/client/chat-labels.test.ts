import assert from 'node:assert/strict';
import { senderLabel } from '../../client/demo/chat-labels.js';
import type { ChatMessage } from '../../client/src/wire.js';

function message(fields: Partial<ChatMessage>): ChatMessage {
  return {
    id: 'm1',
    tradeId: 't1',
    seq: 1,
    senderId: 'bob',
    senderRole: 'SELLER',
    message: 'Chào',
    timestamp: '2026-12-01T00:00:00.000Z',
    recipientRole: null,
    isSystemMessage: false,
    ...fields,
  };
}

describe('client: the demo’s chat bubble labels', () => {
  const system = message({ senderId: null, senderRole: null, isSystemMessage: true, recipientRole: 'SELLER' });
  const mediator = message({ senderId: 'mia', senderRole: 'MEDIATOR' });

  it('names the mediator to the parties, and the mediator to themselves', () => {
    assert.equal(senderLabel(mediator, 'alice', false), 'Mediator mia');
    assert.equal(senderLabel(mediator, 'mia', true), 'You, mediator');
  });

  it("names each side by its role, and tells the mediator whom each system message was for (a party's is its own)", () => {
    assert.equal(senderLabel(message({}), 'mia', true), 'bob (seller)');
    assert.equal(senderLabel(message({}), 'bob', false), 'You');
    assert.equal(senderLabel(system, 'mia', true), 'System, to the seller');
    assert.equal(senderLabel(system, 'bob', false), 'System');
    assert.equal(senderLabel({ ...system, recipientRole: null }, 'mia', true), 'System');
  });
});
