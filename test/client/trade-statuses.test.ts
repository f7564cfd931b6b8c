import assert from 'node:assert/strict';
import { TradeStatuses, type TradeStatusUpdate } from '../../client/src/trade-statuses.js';
import type { TradeStatus } from '../../client/src/wire.js';

const update = (status: TradeStatus): TradeStatusUpdate => ({
  eventId: null,
  actorId: null,
  tradeId: 't1',
  buyerId: 'alice',
  sellerId: 'bob',
  previousStatus: null,
  status,
  timestamp: '2026-12-01T00:00:00.000Z',
});

describe('client trade statuses', () => {
  for (const resolution of ['RELEASED', 'CANCELLED'] as const) {
    it(`takes a mediator's ${resolution} after DISPUTED as news, and drops a late DISPUTED after it`, () => {
      const statuses = new TradeStatuses();
      for (const status of ['PENDING', 'PAID', 'DISPUTED'] as const) assert.ok(statuses.accept(update(status)), status);
      assert.ok(statuses.accept(update(resolution)));
      assert.equal(statuses.accept(update('DISPUTED')), false, 'an older event overtaken by the resolution');
      assert.equal(statuses.accept(update('PAID')), false);
      assert.equal(statuses.status('t1'), resolution);
    });
  }

  it('still takes the short ways in: PAID then RELEASED, PENDING then CANCELLED', () => {
    const paid = new TradeStatuses();
    assert.ok(paid.accept(update('PAID')));
    assert.ok(paid.accept(update('RELEASED')));
    const pending = new TradeStatuses();
    assert.ok(pending.accept(update('PENDING')));
    assert.ok(pending.accept(update('CANCELLED')));
  });
});
