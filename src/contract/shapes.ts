// The REST shapes (docs/contract.md, "REST"), declared once as zod schemas: the TypeScript types
// are inferred from them, the server validates requests with them (src/http/validation.ts) and the
// OpenAPI document is generated from them. The browser client imports the types only.
import { z } from 'zod';
import { USER_ID_RE, USER_ID_RULE } from './ids.js';
import { SENDER_ROLES, TRADE_ROLES, TRADE_STATUSES } from './trade-status.js';
import { SYNC_TRADE_ERRORS } from './sync.js';
import { chainLinkShape } from './chain-link.js';

/** The most characters (code points) a chat message may have. */
export const MAX_MESSAGE_LENGTH = 2000;
/** The most items one list request returns. */
export const MAX_PAGE = 1000;

export const userIdSchema = z.string().regex(USER_ID_RE, USER_ID_RULE);
const uuid = z.string().meta({ description: 'A UUID, lower case.' });
// What the server sends: ISO-8601 UTC with milliseconds.
const instant = z.iso.datetime();

/**
 * A chat message, the same everywhere: the answer to a send, the chat list, `GET /p2p/sync` and
 * `/topic/trades/{tradeId}/chat`, each with its transcript link.
 */
export const chatMessageSchema = z.object({
  id: uuid,
  tradeId: uuid,
  seq: z.number().int().positive().meta({
    description: "1, 2, 3 … per trade in commit order; a side does not see the other side's system messages.",
  }),
  senderId: z.string().nullable().meta({ description: 'null for a system message.' }),
  senderRole: z.enum(SENDER_ROLES).nullable().meta({
    description: 'The role the sender wrote in: BUYER, SELLER, or MEDIATOR (an admin in a disputed trade); null for a system message.',
  }),
  message: z.string(),
  timestamp: instant,
  recipientRole: z.enum(TRADE_ROLES).nullable().meta({ description: 'The side a system message is meant for; null = both.' }),
  isSystemMessage: z.boolean(),
  // Every message, wherever it is read (docs/transcript.md): a client polling holds hashes too.
  ...chainLinkShape,
});

export const tradeSchema = z.object({
  id: uuid,
  buyerId: z.string(),
  sellerId: z.string(),
  amount: z.string().meta({ description: 'A positive decimal, as a string so no precision is lost.' }),
  asset: z.string(),
  fiat: z.string(),
  status: z.enum(TRADE_STATUSES),
  createdAt: instant,
  updatedAt: instant,
});

/**
 * What `GET /p2p/trades` and `GET /p2p/trades/{tradeId}` add to a trade for the caller (docs/api.md,
 * "Read receipts"). null for an admin who is not a party: they have no read state and no peer.
 */
export const tradeReadsSchema = z.object({
  readSeq: z.number().int().min(0).nullable().meta({ description: "The caller's last-read chat seq (0: none yet)." }),
  unread: z.number().int().min(0).nullable().meta({
    description:
      "Messages the caller can see, not sent by the caller, with seq above `readSeq`: the other party's, a mediator's, and system messages for both sides or the caller's.",
  }),
  peerReadSeq: z.number().int().min(0).nullable().meta({ description: "The other party's last-read chat seq (0: none yet)." }),
});

/** A trade as its reader sees it: the trade plus their read state. */
export const tradeViewSchema = tradeSchema.extend(tradeReadsSchema.shape);

/** `POST /p2p/trades/{tradeId}/read`: the caller's stored last-read seq, as `/topic/trades/{tradeId}/read` announces it. */
export const readStateSchema = z.object({
  tradeId: uuid,
  userId: z.string(),
  seq: z.number().int().positive().meta({ description: 'The last-read chat seq stored: never lower than before.' }),
  at: instant.meta({ description: 'When that seq was stored.' }),
});

export const openTradeInputSchema = z.object({
  sellerId: userIdSchema,
  amount: z.string().regex(/^(?!0+(\.0+)?$)\d{1,18}(\.\d{1,18})?$/, 'must be a positive decimal with at most 18 decimals'),
  asset: z.string().regex(/^[A-Z0-9]{2,12}$/, 'must be an asset code such as USDT'),
  fiat: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter currency code such as VND'),
});

export const notificationSchema = z.object({
  id: uuid,
  userId: z.string(),
  seq: z.number().int().positive().meta({ description: '1, 2, 3 … per user in commit order: the `afterSeq` polling cursor.' }),
  type: z.string().meta({ description: 'TRADE_<STATUS> for trade status changes.' }),
  message: z.string(),
  read: z.boolean(),
  createdAt: instant,
  readAt: instant.nullable(),
});

/** Every error response's body. */
export const apiErrorSchema = z.object({
  error: z.string().meta({ description: 'A stable code: bad_request, unauthorized, forbidden, not_found, conflict, …' }),
  message: z.string(),
});

/** `GET /healthz` of every role. */
export const healthSchema = z.object({ status: z.literal('ok') });

/** `GET /readyz` of every role: 200 when every dependency answers, else 503. */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.enum(['ok', 'down'])).meta({ description: 'Each dependency (database, event bus, …) by name.' }),
});

/**
 * `GET /config.json` (PAGE_CONFIG_PATH): what the demo page needs before it connects. The page
 * takes its gateway addresses from here and nowhere else: never from its own URL, which anyone
 * can write into a link.
 */
export const pageConfigSchema = z.object({
  gatewayUrls: z.array(z.string()).meta({
    description:
      'Base URLs of the gateways browsers may connect to (`https://rt.example.com`; SockJS at `<url>/ws`, plain WebSocket at `<url>/ws/websocket`); the client starts at a random one and moves to the next on failure. Empty: the page’s own origin. From PUBLIC_GATEWAY_URLS.',
  }),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type Trade = z.infer<typeof tradeSchema>;
export type TradeReads = z.infer<typeof tradeReadsSchema>;
export type TradeView = z.infer<typeof tradeViewSchema>;
export type ReadState = z.infer<typeof readStateSchema>;
export type OpenTradeInput = z.infer<typeof openTradeInputSchema>;
export type Notification = z.infer<typeof notificationSchema>;
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
export type Health = z.infer<typeof healthSchema>;
export type Readiness = z.infer<typeof readinessSchema>;
export type PageConfig = z.infer<typeof pageConfigSchema>;

/** `GET /p2p/sync`: everything past the caller's cursors in one answer (the polling fallback, docs/sync.md). */
export const syncResponseSchema = z.object({
  chat: z.record(z.string(), z.array(chatMessageSchema)).meta({
    description: 'One key per listed trade the caller may read: its messages past the given seq ([] if none).',
  }),
  notifications: z.array(notificationSchema).meta({ description: 'Past `notificationsAfterSeq`, in seq order.' }),
  trades: z.array(tradeSchema).meta({ description: "The caller's trades opened or changed past `tradesAfter`." }),
  tradesCursor: z.string().meta({ description: "Opaque: the next sync's `tradesAfter`." }),
  more: z.boolean().meta({ description: 'A list hit its page limit: sync again at once.' }),
  reads: z
    .record(
      z.string(),
      z.object({
        readSeq: z.number().int().min(0).meta({ description: "The caller's last-read chat seq (0: none)." }),
        peerReadSeq: z.number().int().min(0).meta({ description: "The other party's last-read chat seq (0: none)." }),
      }),
    )
    .meta({
      description:
        'One key per listed trade the caller may read as a party (a mediator has none): the read receipts (docs/api.md), current up to events in flight.',
    }),
  errors: z.record(z.string(), z.object({ error: z.enum(SYNC_TRADE_ERRORS) })).meta({
    description: "Listed trades that were not answered: not the caller's (`forbidden`) or no such trade (`not_found`); the rest are.",
  }),
  pollIntervalMs: z.number().int().positive().meta({ description: "The server's advice for the next plain (not long) poll." }),
});

export type SyncResponse = z.infer<typeof syncResponseSchema>;
