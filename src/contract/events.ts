// The event shapes on the bus (docs/contract.md, "Events"), declared once as zod schemas: the
// server validates what it consumes with them, the types are inferred from them, and the AsyncAPI
// document is generated from them. The browser client imports the types only.
import { z } from 'zod';
import type { EventType } from './routing-keys.js';
import { SENDER_ROLES, TRADE_ROLES, TRADE_STATUSES } from './trade-status.js';
import { chainLinkShape as chainLink } from './chain-link.js';

const id = z.string().min(1);
// Events may come from other publishers, so any ISO-8601 zone is accepted; ours are UTC with ms.
const timestamp = z.iso.datetime({ offset: true });
const status = z.enum(TRADE_STATUSES);

export const tradeStatusEventSchema = z.object({
  eventId: id,
  tradeId: id,
  buyerId: id,
  sellerId: id,
  actorId: id.meta({ description: 'The user who made the change.' }),
  previousStatus: status.nullable().meta({ description: 'null when the trade was just opened.' }),
  status,
  reason: z.string().optional().meta({ description: "The mediator's reason, on a resolution of a dispute that gave one." }),
  timestamp,
  ...chainLink,
});

export const chatMessageEventSchema = z.object({
  eventId: id,
  tradeId: id,
  chatId: id.meta({ description: 'The chat message id (`id` in the REST shape).' }),
  seq: z.number().int().positive(),
  senderId: z.string().nullable().meta({ description: 'null for a system message.' }),
  senderRole: z.enum(SENDER_ROLES).nullable().optional().meta({
    description:
      'BUYER, SELLER or MEDIATOR; null for a system message. This system always sets it; other publishers may not, and their messages reach subscribers with `senderRole: null`.',
  }),
  message: z.string(),
  timestamp,
  recipientRole: z.enum(TRADE_ROLES).nullable().meta({ description: 'The side a system message is meant for; null = both.' }),
  isSystemMessage: z.boolean(),
  ...chainLink,
});

export const notificationEventSchema = z.object({
  eventId: id,
  userId: id,
  notificationId: id,
  type: z.string().meta({ description: 'TRADE_<STATUS> for trade status changes.' }),
  message: z.string(),
  timestamp,
  seq: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: "The notification's per-user seq. This system's worker always sets it; other publishers may not." }),
});

export const readReceiptEventSchema = z.object({
  eventId: id,
  tradeId: id,
  userId: id.meta({ description: 'The party whose last-read seq moved.' }),
  seq: z.number().int().positive().meta({ description: 'Their last-read chat seq: it only grows, so a client keeps the highest it has seen.' }),
  at: timestamp.meta({ description: 'When it was stored.' }),
});

/** Someone typing in a trade's chat: sent by a gateway, relayed by every gateway, never stored. */
export const typingEventSchema = z.object({
  tradeId: id,
  userId: id.meta({ description: 'Who is typing.' }),
  at: timestamp.meta({ description: 'When the gateway took the typing frame.' }),
});

/** Whether a party of a trade is online in it (subscribed to its chat on any gateway). Never on the bus. */
export const presenceEventSchema = z.object({
  tradeId: id,
  userId: id,
  online: z.boolean(),
});

const tradeParty = z.object({ tradeId: id, userId: id });

/**
 * Between gateways only: which (trade, user) pairs a gateway holds (a session of the user
 * subscribed to the trade's chat there, or left within the grace period). From these every
 * gateway derives the same PresenceEvents for its own subscribers.
 */
export const gatewayPresenceEventSchema = z.object({
  eventId: id,
  gatewayId: id.meta({ description: 'The sending gateway instance; a restarted gateway has a new one.' }),
  ttlMs: z
    .number()
    .int()
    .positive()
    .meta({ description: "Everything this gateway holds lapses this long after the message arrives, unless the gateway's next message comes first." }),
  snapshot: z
    .boolean()
    .meta({ description: 'true: `held` is everything the gateway holds, replacing its earlier messages; false: `held` and `released` are changes.' }),
  held: z.array(tradeParty),
  released: z.array(tradeParty),
  wantsSnapshots: z.boolean().meta({ description: 'From a gateway that just (re)joined: every other gateway answers with a snapshot at once.' }),
});

export type TradeStatusEvent = z.infer<typeof tradeStatusEventSchema>;
export type ChatMessageEvent = z.infer<typeof chatMessageEventSchema>;
export type NotificationEvent = z.infer<typeof notificationEventSchema>;
export type ReadReceiptEvent = z.infer<typeof readReceiptEventSchema>;
export type TypingEvent = z.infer<typeof typingEventSchema>;
export type PresenceEvent = z.infer<typeof presenceEventSchema>;
export type GatewayPresenceEvent = z.infer<typeof gatewayPresenceEventSchema>;
export type TradeParty = z.infer<typeof tradeParty>;

export const EVENT_SCHEMAS = {
  TradeStatusEvent: tradeStatusEventSchema,
  ChatMessageEvent: chatMessageEventSchema,
  NotificationEvent: notificationEventSchema,
  ReadReceiptEvent: readReceiptEventSchema,
  GatewayPresenceEvent: gatewayPresenceEventSchema,
  TypingEvent: typingEventSchema,
} as const satisfies Record<EventType, z.ZodType>;

export type EventPayloads = { [T in EventType]: z.infer<(typeof EVENT_SCHEMAS)[T]> };
