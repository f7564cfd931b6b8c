import type { TradeRole, TradeStatus } from '../events/events.js';

interface Transition {
  from: TradeStatus;
  to: TradeStatus;
  /** Who may make it. */
  by: readonly TradeRole[];
  /** The system message it appends, and which side sees it (null = both). */
  systemMessage: { recipientRole: TradeRole | null; text: (actor: TradeRole) => string };
}

// SPEC.md, "Status rules".
const TRANSITIONS: readonly Transition[] = [
  {
    from: 'PENDING', to: 'PAID', by: ['BUYER'],
    systemMessage: { recipientRole: 'SELLER', text: () => 'The buyer marked the trade as paid. Check that the payment arrived, then release.' },
  },
  {
    from: 'PAID', to: 'RELEASED', by: ['SELLER'],
    systemMessage: { recipientRole: 'BUYER', text: () => 'The seller released the assets. The trade is complete.' },
  },
  {
    from: 'PENDING', to: 'CANCELLED', by: ['BUYER'],
    systemMessage: { recipientRole: null, text: () => 'The buyer cancelled the trade.' },
  },
  {
    from: 'PAID', to: 'DISPUTED', by: ['BUYER', 'SELLER'],
    systemMessage: { recipientRole: null, text: (actor) => `The ${actor.toLowerCase()} opened a dispute.` },
  },
];

export type TransitionCheck =
  | { ok: true; transition: Transition }
  | { ok: false; reason: 'forbidden' | 'invalid' };

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
