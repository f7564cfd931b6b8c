import type { Logger } from 'pino';
import type { Consumer, EventBus } from '../messaging/event-bus.js';
import { ROUTING_KEYS } from '../contract/routing-keys.js';
import { TRANSITIONS, withReason } from '../contract/trade-transitions.js';
import type { TradeStatusEvent } from '../contract/events.js';
import type { NotificationService } from '../domain/notification-service.js';
import type { Metrics } from '../observability/metrics.js';

const MESSAGES: Record<TradeStatusEvent['status'], (e: TradeStatusEvent) => string> = {
  PENDING: (e) => `New trade ${short(e.tradeId)}: a buyer opened a trade with you.`,
  PAID: (e) => `Trade ${short(e.tradeId)}: the buyer marked it as paid.`,
  RELEASED: (e) => `Trade ${short(e.tradeId)}: the seller released the assets.`,
  CANCELLED: (e) => `Trade ${short(e.tradeId)} was cancelled.`,
  DISPUTED: (e) => `Trade ${short(e.tradeId)} is now disputed.`,
};

/** A mediator's resolution (the only way out of DISPUTED): the decision as the parties' system message says it, and the reason. */
function messageOf(e: TradeStatusEvent): string {
  const resolution = e.previousStatus === 'DISPUTED' ? TRANSITIONS.find((t) => t.from === 'DISPUTED' && t.to === e.status) : undefined;
  if (!resolution) return MESSAGES[e.status](e);
  return withReason(`Trade ${short(e.tradeId)}: ${resolution.systemMessage.text('MEDIATOR')}`, e.reason ?? null);
}

/**
 * Turns trade status events into notifications for the parties who did not act (both, when a
 * mediator acted). The
 * notification row is keyed by the event id, so an event delivered twice notifies once.
 */
export async function startNotificationWorker(
  bus: EventBus,
  notifications: NotificationService,
  queue: string,
  logger: Logger,
  metrics: Metrics,
): Promise<Consumer> {
  return bus.consume({ queue, delivery: 'shared', routingKeys: [ROUTING_KEYS.tradeStatus], prefetch: 10 }, async (event) => {
    if (event.type !== 'TradeStatusEvent') return;
    const e = event.payload;
    const recipients = [e.buyerId, e.sellerId].filter((id) => id !== e.actorId);
    const created = await notifications.notifyUsers(recipients, {
      type: `TRADE_${e.status}`,
      message: messageOf(e),
      sourceEventId: e.eventId,
    });
    metrics.eventsConsumed.inc({ consumer: 'notification-worker' });
    logger.debug({ eventId: e.eventId, created: created.length }, 'trade event handled');
  });
}

function short(id: string): string {
  return id.slice(0, 8);
}
