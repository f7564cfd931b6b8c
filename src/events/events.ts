// The event contract shared by the api, the notification worker and the gateway (SPEC.md, "Events").
export type TradeStatus = 'PENDING' | 'PAID' | 'RELEASED' | 'CANCELLED' | 'DISPUTED';
export type TradeRole = 'BUYER' | 'SELLER';

export const ROUTING_KEYS = {
  tradeStatus: 'trade.events.status',
  chatMessage: 'chat.message',
  chatSystem: 'chat.system',
  notification: 'notification.new',
} as const;

export interface TradeStatusEvent {
  eventId: string;
  tradeId: string;
  buyerId: string;
  sellerId: string;
  actorId: string;
  /** null when the trade was just opened. */
  previousStatus: TradeStatus | null;
  status: TradeStatus;
  timestamp: string;
}

export interface ChatMessageEvent {
  eventId: string;
  tradeId: string;
  chatId: string;
  seq: number;
  senderId: string | null;
  message: string;
  timestamp: string;
  recipientRole: TradeRole | null;
  isSystemMessage: boolean;
}

export interface NotificationEvent {
  eventId: string;
  userId: string;
  notificationId: string;
  type: string;
  message: string;
  timestamp: string;
  /**
   * The notification's seq (see the REST shape). Beyond SPEC.md's fields: this system's worker
   * always sets it; events from other publishers may lack it.
   */
  seq?: number;
}

interface EventTypes {
  TradeStatusEvent: TradeStatusEvent;
  ChatMessageEvent: ChatMessageEvent;
  NotificationEvent: NotificationEvent;
}
export type EventType = keyof EventTypes;

/** What travels on the bus: the body plus the AMQP properties (`type`, `messageId`). */
export type BusEvent = {
  [T in EventType]: { type: T; routingKey: string; eventId: string; payload: EventTypes[T] };
}[EventType];

export function tradeStatusEvent(payload: TradeStatusEvent): BusEvent {
  return { type: 'TradeStatusEvent', routingKey: ROUTING_KEYS.tradeStatus, eventId: payload.eventId, payload };
}

export function chatMessageEvent(payload: ChatMessageEvent): BusEvent {
  const routingKey = payload.isSystemMessage ? ROUTING_KEYS.chatSystem : ROUTING_KEYS.chatMessage;
  return { type: 'ChatMessageEvent', routingKey, eventId: payload.eventId, payload };
}

export function notificationEvent(payload: NotificationEvent): BusEvent {
  return { type: 'NotificationEvent', routingKey: ROUTING_KEYS.notification, eventId: payload.eventId, payload };
}

const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>(['TradeStatusEvent', 'ChatMessageEvent', 'NotificationEvent']);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && EVENT_TYPES.has(value);
}
