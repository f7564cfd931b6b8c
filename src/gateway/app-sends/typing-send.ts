import type { Logger } from 'pino';
import { TYPING_BURST, TYPING_PER_SECOND } from '../../contract/app-destinations.js';
import type { TradeAccess } from '../../domain/trade-access.js';
import { typingEvent } from '../../events/events.js';
import type { EventBus } from '../../messaging/event-bus.js';
import type { AppHandler } from './app-handler.js';
import { AppUserError } from './app-user-error.js';
import { PerUserRate } from './per-user-rate.js';

/**
 * `SEND /app/trades/{tradeId}/typing`: relayed to `/topic/trades/{tradeId}/typing` on every
 * gateway through the bus by this gateway itself, not the api: nothing is stored. The body is
 * ignored. Frames past the user's rate are dropped before they are queued.
 */
export function typingSendHandler(deps: { bus: EventBus; trades: TradeAccess; logger: Logger }): AppHandler {
  const rate = new PerUserRate(TYPING_PER_SECOND, TYPING_BURST);
  return {
    admit: ({ actor }) => rate.take(actor.userId),
    async handle({ actor, tradeId }) {
      let role: Awaited<ReturnType<TradeAccess['roleInTrade']>>;
      try {
        role = await deps.trades.roleInTrade(tradeId, actor.userId);
      } catch (err) {
        deps.logger.warn({ err, tradeId }, 'typing: cannot check the trade');
        throw new AppUserError('unavailable', 'cannot check the trade now; try again later');
      }
      // As SUBSCRIBE answers: an unknown trade is not told apart from someone else's.
      if (!role) throw new AppUserError('forbidden', 'this trade is not yours');
      const event = typingEvent({ tradeId, userId: actor.userId, at: new Date().toISOString() });
      // At most once: typing lost to a broker outage would be stale by the time a retry went out.
      await deps.bus.publishTransient(event).catch((err: unknown) => deps.logger.debug({ err, tradeId }, 'typing not relayed'));
    },
  };
}
