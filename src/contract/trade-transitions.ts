// The trade status graph (docs/contract.md, "Status rules"): which change who may make, and the
// system message each appends. The api enforces it; the demo and the client read it to offer only
// allowed actions and to order what they learn. No dependencies.
import type { TradeRole, TradeStatus } from './trade-status.js';

export interface Transition {
  from: TradeStatus;
  to: TradeStatus;
  /** Who may make it. */
  by: readonly TradeRole[];
  /** The system message it appends, and which side sees it (null = both). */
  systemMessage: { recipientRole: TradeRole | null; text: (actor: TradeRole) => string };
}

export const TRANSITIONS: readonly Transition[] = [
  {
    from: 'PENDING',
    to: 'PAID',
    by: ['BUYER'],
    systemMessage: { recipientRole: 'SELLER', text: () => 'The buyer marked the trade as paid. Check that the payment arrived, then release.' },
  },
  {
    from: 'PAID',
    to: 'RELEASED',
    by: ['SELLER'],
    systemMessage: { recipientRole: 'BUYER', text: () => 'The seller released the assets. The trade is complete.' },
  },
  {
    from: 'PENDING',
    to: 'CANCELLED',
    by: ['BUYER'],
    systemMessage: { recipientRole: null, text: () => 'The buyer cancelled the trade.' },
  },
  {
    from: 'PAID',
    to: 'DISPUTED',
    by: ['BUYER', 'SELLER'],
    systemMessage: { recipientRole: null, text: (actor) => `The ${actor.toLowerCase()} opened a dispute.` },
  },
];

/** Where every trade starts. */
export const INITIAL_STATUS: TradeStatus = 'PENDING';

export type TransitionCheck = { ok: true; transition: Transition } | { ok: false; reason: 'forbidden' | 'invalid' };

export function checkTransition(from: TradeStatus, to: TradeStatus, actor: TradeRole | null): TransitionCheck {
  const transition = TRANSITIONS.find((t) => t.from === from && t.to === to);
  if (!transition) return { ok: false, reason: 'invalid' };
  if (!actor || !transition.by.includes(actor)) return { ok: false, reason: 'forbidden' };
  return { ok: true, transition };
}

export function roleOf(trade: { buyerId: string; sellerId: string }, userId: string): TradeRole | null {
  if (trade.buyerId === userId) return 'BUYER';
  if (trade.sellerId === userId) return 'SELLER';
  return null;
}

/**
 * How many transitions a status is from the start. Every transition goes one step further, so a
 * status update is news exactly when its rank is higher than the known one's.
 */
export function statusRank(status: TradeStatus): number {
  let rank = 0;
  for (let current = status; current !== INITIAL_STATUS; rank++) {
    const step = TRANSITIONS.find((t) => t.to === current);
    if (!step) throw new Error(`status ${status} is unreachable from ${INITIAL_STATUS}`);
    current = step.from;
  }
  return rank;
}
