import type { Actor } from '../auth/actor.js';
import type { TradeAccess } from '../domain/trade-access.js';
import type { TradeRole } from '../contract/trade-status.js';
import { parseDestination } from '../contract/destinations.js';

export type Access =
  | { granted: true /** The subscriber's side of the trade, for chat messages meant for one side. */; role: TradeRole | null }
  | { granted: false; reason: string };

const denied = (reason: string): Access => ({ granted: false, reason });

/** Who may subscribe to what (docs/contract.md's table). Rejects only when TradeAccess does. */
export class DestinationGuard {
  constructor(private readonly trades: TradeAccess) {}

  async check(text: string, actor: Actor): Promise<Access> {
    const destination = parseDestination(text);
    if (!destination) return denied('unknown destination');
    switch (destination.kind) {
      case 'all-trades':
        return actor.isAdmin ? { granted: true, role: null } : denied('only administrators may subscribe to every trade');
      case 'trade': {
        if (actor.isAdmin) return { granted: true, role: null };
        const role = await this.trades.roleInTrade(destination.tradeId, actor.userId);
        return role ? { granted: true, role } : denied('this trade is not yours');
      }
      // Read receipts, presence and typing go to whoever may follow the chat.
      case 'trade-chat':
      case 'trade-read':
      case 'trade-presence':
      case 'trade-typing': {
        // Administrators excluded, as in the REST chat API.
        const role = await this.trades.roleInTrade(destination.tradeId, actor.userId);
        return role ? { granted: true, role } : denied('this trade is not yours');
      }
      case 'user-trades':
      case 'user-notifications':
        return destination.userId === actor.userId ? { granted: true, role: null } : denied('you may only subscribe to your own user topics');
      case 'user-queue-errors':
      case 'user-queue-notifications':
      case 'user-queue-trades':
        // Resolved to the session's own user (user-destinations.ts), so always its own.
        return { granted: true, role: null };
    }
  }
}
