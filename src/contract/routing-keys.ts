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
export type RoutingKey = (typeof ROUTING_KEYS)[keyof typeof ROUTING_KEYS];

/** The AMQP `type` property of each event. */
export const EVENT_TYPES = ['TradeStatusEvent', 'ChatMessageEvent', 'NotificationEvent', 'ReadReceiptEvent'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Which event type travels under which routing key. */
export const EVENT_TYPE_OF: Record<RoutingKey, EventType> = {
  [ROUTING_KEYS.tradeStatus]: 'TradeStatusEvent',
  [ROUTING_KEYS.chatMessage]: 'ChatMessageEvent',
  [ROUTING_KEYS.chatSystem]: 'ChatMessageEvent',
  [ROUTING_KEYS.notification]: 'NotificationEvent',
  [ROUTING_KEYS.chatRead]: 'ReadReceiptEvent',
};
