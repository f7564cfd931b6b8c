import { z } from 'zod';
import type { BusEvent, EventType } from './events.js';

// Events arriving from the broker are input like any other: a producer bug or a hand-published
// message must be dropped with a log line, never crash a consumer or loop in redelivery.
const status = z.enum(['PENDING', 'PAID', 'RELEASED', 'CANCELLED', 'DISPUTED']);
const role = z.enum(['BUYER', 'SELLER']);
const timestamp = z.string().datetime({ offset: true });

const schemas: Record<EventType, z.ZodType> = {
  TradeStatusEvent: z.object({
    eventId: z.string().min(1),
    tradeId: z.string().min(1),
    buyerId: z.string().min(1),
    sellerId: z.string().min(1),
    actorId: z.string().min(1),
    previousStatus: status.nullable(),
    status,
    timestamp,
  }),
  ChatMessageEvent: z.object({
    eventId: z.string().min(1),
    tradeId: z.string().min(1),
    chatId: z.string().min(1),
    seq: z.number().int().positive(),
    senderId: z.string().nullable(),
    message: z.string(),
    timestamp,
    recipientRole: role.nullable(),
    isSystemMessage: z.boolean(),
  }),
  NotificationEvent: z.object({
    eventId: z.string().min(1),
    userId: z.string().min(1),
    notificationId: z.string().min(1),
    type: z.string(),
    message: z.string(),
    timestamp,
    seq: z.number().int().positive().optional(),
  }),
};

/** The event, or undefined when the body does not match its declared type. */
export function parseEvent(type: EventType, routingKey: string, body: unknown): BusEvent | undefined {
  const result = schemas[type].safeParse(body);
  if (!result.success) return undefined;
  const payload = result.data as { eventId: string };
  return { type, routingKey, eventId: payload.eventId, payload } as BusEvent;
}
