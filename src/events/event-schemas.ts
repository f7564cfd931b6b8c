import { EVENT_SCHEMAS } from '../contract/events.js';
import type { EventType } from '../contract/routing-keys.js';
import type { BusEvent } from './events.js';

// Events arriving from the broker are input like any other: a producer bug or a hand-published
// message must be dropped with a log line, never crash a consumer or loop in redelivery.

/**
 * The event, or undefined when the body does not match its declared type. Its id is the body's
 * `eventId`, or for shapes without one (TypingEvent) the message's own id.
 */
export function parseEvent(type: EventType, routingKey: string, body: unknown, messageId?: string): BusEvent | undefined {
  const result = EVENT_SCHEMAS[type].safeParse(body);
  if (!result.success) return undefined;
  const eventId = 'eventId' in result.data ? result.data.eventId : messageId;
  if (!eventId) return undefined;
  return { type, routingKey, eventId, payload: result.data } as BusEvent;
}
