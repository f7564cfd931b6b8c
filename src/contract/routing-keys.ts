// The RabbitMQ routing keys and event type names (docs/contract.md, "Events"). No dependencies.

export const ROUTING_KEYS = {
  tradeStatus: 'trade.events.status',
  chatMessage: 'chat.message',
  chatSystem: 'chat.system',
  notification: 'notification.new',
} as const;

/** The AMQP `type` property of each event. */
export const EVENT_TYPES = ['TradeStatusEvent', 'ChatMessageEvent', 'NotificationEvent'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

