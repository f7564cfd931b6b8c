import type { TradeStatus } from '../contract/trade-status.js';
import { forbidden, type DomainError } from './errors.js';

/**
 * The one rule of who may mediate (docs/contract.md, "Disputes"): an admin who is not a party is
 * a trade's mediator once it has been disputed, and stays so after the resolution (the room stays
 * readable). `disputed_at` is set when the trade first becomes DISPUTED and never cleared, so it
 * answers without reading the chain or the status history.
 */
export function mayMediate(trade: { disputedAt: Date | null }): boolean {
  return trade.disputedAt !== null;
}

/**
 * A mediator posts only while the trade is DISPUTED. appendChatMessage checks the same under the
 * trade row lock (`status = 'DISPUTED'` in its UPDATE), so a post racing the resolution is refused
 * there with the same error.
 */
export function mediatorMayPost(trade: { status: TradeStatus }): boolean {
  return trade.status === 'DISPUTED';
}

/** The refusal of a mediator's post after the resolution, from the check before the transaction and the one under the lock alike. */
export function disputeResolved(): DomainError {
  return forbidden('the dispute is resolved: the mediator may still read this chat but no longer post');
}
