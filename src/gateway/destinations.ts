import type { Actor } from '../auth/actor.js';
import type { TradeAccess } from '../domain/trade-access.js';
import type { SenderRole } from '../contract/trade-status.js';
import { parseDestination } from '../contract/destinations.js';
import { AppUserError } from './app-sends/app-user-error.js';

export type Access =
  | {
      granted: true;
      /** The subscriber's role in the trade's room, for chat messages meant for one side (a MEDIATOR sees both). */
      role: SenderRole | null;
    }
  | { granted: false; reason: string };

/**
 * Records in the api's audit trail that a mediator joined a trade's room, as that user (the
 * gateway writes no data itself). Resolves once recorded; throws when it could not be, and then
 * the subscription is refused: a mediator never follows a room unrecorded.
 */
export type RecordMediatorJoin = (tradeId: string, authorization: string) => Promise<void>;

const denied = (reason: string): Access => ({ granted: false, reason });

/** Who may subscribe to what (docs/contract.md's table). Rejects only when TradeAccess or the join record does. */
export class DestinationGuard {
  constructor(
    private readonly trades: TradeAccess,
    private readonly recordJoin: RecordMediatorJoin,
  ) {}

  /**
   * A user's role in a trade's room: their side, or MEDIATOR for an admin who is not a party once
   * the trade has been disputed (also after its resolution: the room stays readable). The rule of
   * every room destination: chat, read receipts, typing, presence.
   */
  async roomRole(tradeId: string, actor: Actor): Promise<SenderRole | null> {
    const side = await this.trades.roleInTrade(tradeId, actor.userId);
    if (side || !actor.isAdmin) return side;
    return (await this.trades.mediable(tradeId)) ? 'MEDIATOR' : null;
  }

  async check(text: string, actor: Actor, authorization = ''): Promise<Access> {
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
        const role = await this.roomRole(destination.tradeId, actor);
        if (!role) return denied('this trade is not yours (an administrator may join once it is disputed)');
        if (role === 'MEDIATOR' && destination.kind === 'trade-chat') {
          try {
            await this.recordJoin(destination.tradeId, authorization);
          } catch (err) {
            // The api's own refusal (the trade changed hands meanwhile) is a refusal; anything else is "try again".
            if (err instanceof AppUserError && (err.code === 'forbidden' || err.code === 'not_found')) return denied(err.message);
            throw err;
          }
        }
        return { granted: true, role };
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
