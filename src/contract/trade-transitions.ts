// The trade status graph (docs/contract.md, "Status rules"): which change who may make, and the
// system message each appends. The api enforces it; the demo and the client read it to offer only
// allowed actions and to order what they learn. No dependencies.
import type { SenderRole, TradeRole, TradeStatus } from './trade-status.js';

export interface Transition {
  from: TradeStatus;
  to: TradeStatus;
  /** Who may make it: a side, or MEDIATOR (an admin who is not a party). */
  by: readonly SenderRole[];
  /** The system message it appends, and which side sees it (null = both). */
  systemMessage: { recipientRole: TradeRole | null; text: (actor: SenderRole) => string };
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
  // Resolution: the mediator's decision, which the parties cannot take themselves.
  {
    from: 'DISPUTED',
    to: 'RELEASED',
    by: ['MEDIATOR'],
    systemMessage: { recipientRole: null, text: () => "The mediator resolved the dispute for the buyer: the seller's assets are released to the buyer." },
  },
  {
    from: 'DISPUTED',
    to: 'CANCELLED',
    by: ['MEDIATOR'],
    systemMessage: {
      recipientRole: null,
      text: () => 'The mediator resolved the dispute for the seller: the trade is cancelled and the seller keeps the assets.',
    },
  },
];

/** A resolution's system message and notification: the decision, then the mediator's reason when given. */
export function withReason(text: string, reason: string | null): string {
  return reason ? `${text} Reason: ${reason}` : text;
}

/** The statuses a mediator may move a disputed trade to. */
export const RESOLUTIONS: readonly TradeStatus[] = TRANSITIONS.filter((t) => t.by.includes('MEDIATOR')).map((t) => t.to);

/** Where every trade starts. */
export const INITIAL_STATUS: TradeStatus = 'PENDING';

export type TransitionCheck = { ok: true; transition: Transition } | { ok: false; reason: 'forbidden' | 'invalid' };

export function checkTransition(from: TradeStatus, to: TradeStatus, actor: SenderRole | null): TransitionCheck {
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
 * The length of the longest path from the start to a status. The graph has no cycle and some
 * statuses have several ways in (RELEASED after PAID or after DISPUTED), so the longest path is
 * what makes every transition go strictly further: a status update is news exactly when its rank
 * is higher than the known one's.
 */
export function statusRank(status: TradeStatus, visiting: readonly TradeStatus[] = []): number {
  if (status === INITIAL_STATUS) return 0;
  if (visiting.includes(status)) throw new Error(`the status graph has a cycle through ${status}`);
  const ways = TRANSITIONS.filter((t) => t.to === status);
  if (ways.length === 0) throw new Error(`status ${status} is unreachable from ${INITIAL_STATUS}`);
  return Math.max(...ways.map((t) => statusRank(t.from, [...visiting, status]) + 1));
}
