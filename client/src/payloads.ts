import type { ChatMessage, NotificationEvent, PresenceEvent, ReadReceiptEvent, TradeStatusEvent, TypingEvent } from './wire.js';

type Shape = Record<string, 'string' | 'number' | 'boolean'>;

// Only the fields the client orders, deduplicates and routes by are checked: a frame without
// them would corrupt the cursors, anything else is the application's to read.
const CHAT_MESSAGE: Shape = { id: 'string', tradeId: 'string', seq: 'number', timestamp: 'string' };
const STATUS_EVENT: Shape = { eventId: 'string', tradeId: 'string', status: 'string', timestamp: 'string' };
const NOTIFICATION_EVENT: Shape = { notificationId: 'string', timestamp: 'string' };
const READ_RECEIPT: Shape = { tradeId: 'string', userId: 'string', seq: 'number' };
const TYPING: Shape = { tradeId: 'string', userId: 'string' };
const PRESENCE: Shape = { tradeId: 'string', userId: 'string', online: 'boolean' };

function parse<T>(body: string, shape: Shape): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  return Object.entries(shape).every(([key, type]) => typeof record[key] === type) ? (value as T) : undefined;
}

/** Socket bodies; undefined for one that is not what the destination promises. */
export const parseChatMessage = (body: string) => parse<ChatMessage>(body, CHAT_MESSAGE);
export const parseStatusEvent = (body: string) => parse<TradeStatusEvent>(body, STATUS_EVENT);
export const parseNotificationEvent = (body: string) => parse<NotificationEvent>(body, NOTIFICATION_EVENT);
export const parseReadReceipt = (body: string) => parse<ReadReceiptEvent>(body, READ_RECEIPT);
export const parseTyping = (body: string) => parse<TypingEvent>(body, TYPING);
export const parsePresence = (body: string) => parse<PresenceEvent>(body, PRESENCE);
