import { chatMessageOf } from '../contract/chat-message-of.js';
import type { BusEvent } from '../events/events.js';
import { ROUTING_KEYS, TRANSIENT_ROUTING_KEYS } from '../contract/routing-keys.js';
import { destinations } from '../contract/destinations.js';
import type { GatewayQueues } from '../config/gateway-settings.js';
import type { Publication } from './subscription-registry.js';
import { userQueueKey } from './user-destinations.js';

/** The listeners: which events each consumes, and where each event goes. */
export interface EventListener {
  readonly name: string;
  readonly queue: keyof GatewayQueues;
  readonly routingKeys: readonly string[];
  route(event: BusEvent): Publication[];
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

export const TradeEventListener: EventListener = {
  name: 'trade',
  queue: 'trade',
  routingKeys: [ROUTING_KEYS.tradeStatus],
  route(event) {
    if (event.type !== 'TradeStatusEvent') return [];
    const e = event.payload;
    const body = json(e);
    const targets = new Set([
      destinations.allTrades,
      destinations.trade(e.tradeId),
      destinations.userTrades(e.buyerId),
      destinations.userTrades(e.sellerId),
      userQueueKey('trades', e.buyerId),
      userQueueKey('trades', e.sellerId),
    ]);
    return [...targets].map((destination) => ({ destination, body, audience: null }));
  },
};

export const ChatEventListener: EventListener = {
  name: 'chat',
  queue: 'chat',
  // Read receipts belong to the chat room and travel on its queue: both parties, both sides.
  routingKeys: [ROUTING_KEYS.chatMessage, ROUTING_KEYS.chatSystem, ROUTING_KEYS.chatRead],
  route(event) {
    if (event.type === 'ReadReceiptEvent') return [{ destination: destinations.tradeRead(event.payload.tradeId), body: json(event.payload), audience: null }];
    if (event.type !== 'ChatMessageEvent') return [];
    const e = event.payload;
    // The REST shape, so a client handles pushed and polled messages alike.
    return [{ destination: destinations.tradeChat(e.tradeId), body: json(chatMessageOf(e)), audience: e.recipientRole }];
  },
};

export const NotificationEventListener: EventListener = {
  name: 'notification',
  queue: 'notification',
  routingKeys: [ROUTING_KEYS.notification],
  route(event) {
    if (event.type !== 'NotificationEvent') return [];
    const body = json(event.payload);
    return [destinations.userNotifications(event.payload.userId), userQueueKey('notifications', event.payload.userId)].map((destination) => ({
      destination,
      body,
      audience: null,
    }));
  },
};

/** Typing, from whichever gateway took the SEND: relayed as it is, never stored. */
export const TypingEventListener: EventListener = {
  name: 'typing',
  queue: 'typing',
  routingKeys: [TRANSIENT_ROUTING_KEYS.typing],
  route(event) {
    if (event.type !== 'TypingEvent') return [];
    const { tradeId, userId, at } = event.payload;
    return [{ destination: destinations.tradeTyping(tradeId), body: json({ tradeId, userId, at }), audience: null }];
  },
};

export const EVENT_LISTENERS: readonly EventListener[] = [TradeEventListener, ChatEventListener, NotificationEventListener, TypingEventListener];
