import { USER_ID_RE } from '../auth/jwt.js';
import type { Actor } from '../domain/actor.js';
import { isUuid, type TradeAccess } from '../domain/trade-service.js';
import type { TradeRole } from '../events/events.js';
import { destinations } from '../contract/destinations.js';

export type Destination =
  | { kind: 'all-trades' }
  | { kind: 'trade' | 'trade-chat'; tradeId: string }
  | { kind: 'user-trades' | 'user-notifications'; userId: string };

// Trade ids are matched in the lower-case form the API hands out: events are routed by exact
// string, so a differently spelt id would subscribe successfully and then never receive anything.
const TRADE_RE = /^\/topic\/trades\/([0-9a-f-]{36})(\/chat)?$/;
const USER_RE = /^\/topic\/users\/([^/]+)\/(trades|notifications)$/;

/**
 * Exact matches only: no wildcards, no path normalisation. Anything else is unknown, so
 * `/topic/trades/*` or `/topic/users/x/../y/trades` can never reach another user's messages.
 */
export function parseDestination(text: string): Destination | undefined {
  if (text === destinations.allTrades) return { kind: 'all-trades' };
  const trade = TRADE_RE.exec(text);
  if (trade && isUuid(trade[1]!)) return { kind: trade[2] ? 'trade-chat' : 'trade', tradeId: trade[1]! };
  const user = USER_RE.exec(text);
  if (user && USER_ID_RE.test(user[1]!)) return { kind: user[2] === 'trades' ? 'user-trades' : 'user-notifications', userId: user[1]! };
  return undefined;
}

export type Access =
  | { granted: true; /** The subscriber's side of the trade, for chat messages meant for one side. */ role: TradeRole | null }
  | { granted: false; reason: string };

const denied = (reason: string): Access => ({ granted: false, reason });

/** Who may subscribe to what (SPEC.md's table). Rejects only when TradeAccess does. */
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
      case 'trade-chat': {
        // Administrators excluded, as in the REST chat API.
        const role = await this.trades.roleInTrade(destination.tradeId, actor.userId);
        return role ? { granted: true, role } : denied('this trade is not yours');
      }
      case 'user-trades':
      case 'user-notifications':
        return destination.userId === actor.userId ? { granted: true, role: null } : denied('you may only subscribe to your own user topics');
    }
  }
}
