import { statusRank } from '../../src/contract/trade-transitions.js';
import type { Trade, TradeStatus, TradeStatusEvent } from './wire.js';

/** A trade's status change as the client reports it, from the socket or from polling. */
export interface TradeStatusUpdate extends Omit<TradeStatusEvent, 'eventId' | 'actorId' | 'previousStatus'> {
  /** null when the change was learnt by polling `GET /trades/{id}`, which names neither. */
  eventId: string | null;
  actorId: string | null;
  /** From the socket: the server's previous status (null for a new trade). From polling: the last one this client knew, or null. */
  previousStatus: TradeStatus | null;
}

/**
 * The last known status of each trade. A trade's status only moves forward along its graph, so
 * an update is news exactly when it is further along than the known one: this drops the same
 * event arriving on both `/topic/trades/{id}` and `/topic/users/{id}/trades`, a poll repeating
 * what the socket said, and a late event overtaken by a newer one. (Ranks, not timestamps: the
 * timestamps come from the clocks of whichever api replicas made the changes.)
 */
export class TradeStatuses {
  readonly #known = new Map<string, TradeStatus>();

  status(tradeId: string): TradeStatus | undefined {
    return this.#known.get(tradeId);
  }

  accept(update: TradeStatusUpdate): boolean {
    const known = this.#known.get(update.tradeId);
    if (known && statusRank(update.status) <= statusRank(known)) return false;
    this.#known.set(update.tradeId, update.status);
    return true;
  }

  fromTrade(trade: Trade): TradeStatusUpdate {
    return {
      eventId: null,
      actorId: null,
      tradeId: trade.id,
      buyerId: trade.buyerId,
      sellerId: trade.sellerId,
      previousStatus: this.status(trade.id) ?? null,
      status: trade.status,
      timestamp: trade.updatedAt,
    };
  }
}
