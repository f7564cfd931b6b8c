// How the contract's events travel on the bus: the body plus the AMQP properties. The shapes and
// routing keys themselves are in src/contract/.
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES, ROUTING_KEYS, TRANSIENT_ROUTING_KEYS, type EventType } from '../contract/routing-keys.js';
import type {
  ChatMessageEvent,
  EventPayloads,
  GatewayPresenceEvent,
  NotificationEvent,
  ReadReceiptEvent,
  TradeStatusEvent,
  TypingEvent,
} from '../contract/events.js';

/** What travels on the bus: the body plus the AMQP properties (`type`, `messageId`). */
export type BusEvent = {
  [T in EventType]: { type: T; routingKey: string; eventId: string; payload: EventPayloads[T] };
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

export function readReceiptEvent(payload: ReadReceiptEvent): BusEvent {
  return { type: 'ReadReceiptEvent', routingKey: ROUTING_KEYS.chatRead, eventId: payload.eventId, payload };
}

export function gatewayPresenceEvent(payload: GatewayPresenceEvent): BusEvent {
  return { type: 'GatewayPresenceEvent', routingKey: TRANSIENT_ROUTING_KEYS.gatewayPresence, eventId: payload.eventId, payload };
}

/** The client-visible shape has no eventId: the bus carries one in the AMQP messageId. */
export function typingEvent(payload: TypingEvent): BusEvent {
  return { type: 'TypingEvent', routingKey: TRANSIENT_ROUTING_KEYS.typing, eventId: randomUUID(), payload };
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && KNOWN_TYPES.has(value);
}
