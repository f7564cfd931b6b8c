import { z } from 'zod';
import { MAX_MESSAGE_LENGTH, MAX_PAGE, openTradeInputSchema } from '../contract/shapes.js';
import { TRADE_STATUSES } from '../contract/trade-status.js';
import { CLIENT_MESSAGE_ID_RE, CLIENT_MESSAGE_ID_RULE } from '../contract/ids.js';
import { MAX_REASON_LENGTH, RESOLUTION_NOTE } from '../contract/dispute.js';

// Zone designator optional; without one the time is UTC (the plan's Java LocalDateTime).
const ISO_RE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO-8601 date-time with or without zone; sub-millisecond digits are truncated. */
export const isoInstant = z.string().transform((raw, ctx) => {
  const m = ISO_RE.exec(raw.trim());
  const date = m && isCalendarDate(m[1]!) ? new Date(`${m[1]}T${normaliseTime(m[2])}${normaliseZone(m[3])}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time, e.g. 2026-11-29T10:15:30.123Z' });
    return z.NEVER;
  }
  return date;
});

// Date() rolls 2026-02-30 over to March instead of refusing it.
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function normaliseTime(time: string | undefined): string {
  if (!time) return '00:00:00.000';
  const [hms, fraction = ''] = time.split('.');
  return `${hms!.length === 5 ? `${hms}:00` : hms}.${fraction.padEnd(3, '0').slice(0, 3)}`;
}

function normaliseZone(zone: string | undefined): string {
  if (!zone || zone.toUpperCase() === 'Z') return 'Z';
  return zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
}

// The contract's input, except that a JSON number is also taken as an amount.
export const openTradeBody = openTradeInputSchema.extend({
  amount: z.union([z.string(), z.number()]).transform(String).pipe(openTradeInputSchema.shape.amount),
});

// Half of a surrogate pair (a message cut inside an emoji) has no UTF-8 form: the database would
// store U+FFFD for it and JSON (the event, the outbox) would refuse it, so it becomes U+FFFD here.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text a user writes for others to read (a chat message, a mediator's reason): 1..max characters, not blank. */
const userText = (max: number) =>
  z
    .string()
    .transform((m) => m.replace(LONE_SURROGATE, '\uFFFD'))
    .refine((m) => m.trim().length > 0, 'must not be empty')
    // PostgreSQL text cannot hold it, so the insert would fail.
    .refine((m) => !m.includes('\u0000'), 'must not contain the NUL character (U+0000)')
    .refine((m) => [...m].length <= max, `must be at most ${max} characters`);

export const statusBody = z.object({
  status: z.enum(TRADE_STATUSES),
  reason: userText(MAX_REASON_LENGTH).optional().meta({ description: RESOLUTION_NOTE }),
});

export const chatBody = z.object({
  message: userText(MAX_MESSAGE_LENGTH),
  clientMessageId: z.string().regex(CLIENT_MESSAGE_ID_RE, CLIENT_MESSAGE_ID_RULE).optional().meta({
    description:
      "The sender's key for this send: a retry with the same key in the same trade returns the stored message with 200 instead of storing it twice (201 the first time); the same key with another message is 409.",
  }),
});

// A PostgreSQL integer, as seq is; a JSON number only (a string "3" is refused, not coerced).
export const readBody = z.object({
  seq: z.number().int('must be a positive integer').positive('must be a positive integer').max(2_147_483_647, 'must be a positive integer up to 2147483647'),
});

const limit = z.coerce.number().int().min(1).max(MAX_PAGE);

/** A polling cursor: `since` (a time) or `afterSeq` (a gapless position), at most one of them. */
const cursor = {
  since: isoInstant.optional(),
  // seq is a PostgreSQL integer: a larger cursor is bad input, not a database error.
  afterSeq: z.coerce.number().int().min(0).max(2_147_483_647).optional(),
};
const oneCursor = (q: { since?: Date; afterSeq?: number }) => q.since === undefined || q.afterSeq === undefined;
const ONE_CURSOR = 'use either since or afterSeq, not both';

export const chatQuery = z.object({ ...cursor, limit: limit.optional() }).refine(oneCursor, ONE_CURSOR);

export const tradeListQuery = z.object({ limit: limit.optional() });

export const disputeListQuery = z.object({ limit: limit.optional() });

export const notificationQuery = z
  .object({
    ...cursor,
    unread: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    limit: limit.optional(),
  })
  .refine(oneCursor, ONE_CURSOR);
