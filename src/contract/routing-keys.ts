// The RabbitMQ routing keys and event type names (docs/contract.md, "Events"). No dependencies.

/** The topic exchange the events are published to, unless AMQP_EXCHANGE names another. */
export const DEFAULT_EXCHANGE = 'websocket.events.exchange';

export const ROUTING_KEYS = {
  tradeStatus: 'trade.events.status',
  chatMessage: 'chat.message',
  chatSystem: 'chat.system',
  notification: 'notification.new',
  chatRead: 'chat.read',
} as const;

/**
 * What gateways publish themselves, for each other: never stored, not persistent, at most once
 * (docs/gateway.md, "Presence and typing"). Stale a moment later, so nothing retries them.
 */
export const TRANSIENT_ROUTING_KEYS = {
  gatewayPresence: 'gateway.presence',
  typing: 'gateway.typing',
} as const;

export type RoutingKey = (typeof ROUTING_KEYS)[keyof typeof ROUTING_KEYS] | (typeof TRANSIENT_ROUTING_KEYS)[keyof typeof TRANSIENT_ROUTING_KEYS];

/** The AMQP `type` property of each event. */
export const EVENT_TYPES = ['TradeStatusEvent', 'ChatMessageEvent', 'NotificationEvent', 'ReadReceiptEvent', 'GatewayPresenceEvent', 'TypingEvent'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Which event type travels under which routing key. */
export const EVENT_TYPE_OF: Record<RoutingKey, EventType> = {
  [ROUTING_KEYS.tradeStatus]: 'TradeStatusEvent',
  [ROUTING_KEYS.chatMessage]: 'ChatMessageEvent',
  [ROUTING_KEYS.chatSystem]: 'ChatMessageEvent',
  [ROUTING_KEYS.notification]: 'NotificationEvent',
  [ROUTING_KEYS.chatRead]: 'ReadReceiptEvent',
  [TRANSIENT_ROUTING_KEYS.gatewayPresence]: 'GatewayPresenceEvent',
  [TRANSIENT_ROUTING_KEYS.typing]: 'TypingEvent',
};
