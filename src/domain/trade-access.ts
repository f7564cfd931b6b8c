import type { TradeRole } from '../contract/trade-status.js';

/**
 * Who may see a trade's events: the one seam through which the gateway reaches trade data
 * (parties and status), so it depends on no service, table or driver.
 */
export interface TradeAccess {
  /** The user's side of the trade, or null when it is not theirs or does not exist. */
  roleInTrade(tradeId: string, userId: string): Promise<TradeRole | null>;
  /** The trade has been disputed (and may since be resolved), so an admin may follow its room as mediator. */
  mediable(tradeId: string): Promise<boolean>;
}

/** A trade's two parties: presence tells a new subscriber about the other one. */
export interface TradeParties {
  /** Rejects (not_found) when there is no such trade. */
  participants(tradeId: string): Promise<{ buyerId: string; sellerId: string }>;
}
