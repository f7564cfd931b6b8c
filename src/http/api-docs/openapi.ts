// The OpenAPI 3.1 document of the REST API, generated from the contract's zod schemas and the
// api's own request schemas, so it cannot drift from what the server validates and sends. A test
// checks it against the Express routes and real responses.
import { z } from 'zod';
import {
  apiErrorSchema,
  chatMessageSchema,
  healthSchema,
  notificationSchema,
  pageConfigSchema,
  readinessSchema,
  readStateSchema,
  syncResponseSchema,
  tradeSchema,
  tradeViewSchema,
} from '../../contract/shapes.js';
import { chainCheckSchema, transcriptKeysSchema, transcriptSchema } from '../../contract/transcript-shapes.js';
import { MAX_SYNC_TRADES, MAX_SYNC_WAIT_SECONDS } from '../../contract/sync.js';
import { chatBody, chatQuery, disputeListQuery, notificationQuery, openTradeBody, readBody, statusBody, tradeListQuery } from '../validation.js';
import { auditEntrySchema, disputeSchema } from '../../contract/dispute.js';
import { loginBody, loginResponse } from '../demo-routes.js';
import { components, inline, PACKAGE_VERSION, type JsonSchema } from './json-schemas.js';

const REF = (id: string) => `#/components/schemas/${id}`;
const SCHEMA_OPTIONS = { target: 'draft-2020-12', uri: REF } as const;

const REQUESTS = {
  OpenTradeRequest: openTradeBody,
  StatusChangeRequest: statusBody,
  ChatMessageRequest: chatBody,
  ReadRequest: readBody,
  DemoLoginRequest: loginBody,
};

const RESPONSES = {
  Trade: tradeSchema,
  TradeView: tradeViewSchema,
  TradeViewList: z.array(tradeViewSchema),
  ReadState: readStateSchema,
  ChatMessage: chatMessageSchema,
  AuditEntryList: z.array(auditEntrySchema),
  DisputeList: z.array(disputeSchema),
  ChatMessageList: z.array(chatMessageSchema).meta({ description: 'Ascending by seq; a plain array, as the plan’s client iterates the body.' }),
  Notification: notificationSchema,
  NotificationList: z.array(notificationSchema),
  SyncResponse: syncResponseSchema,
  Transcript: transcriptSchema,
  ChainCheck: chainCheckSchema,
  TranscriptKeys: transcriptKeysSchema,
  Error: apiErrorSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  DemoLoginResponse: loginResponse,
  PageConfig: pageConfigSchema,
};

type RequestName = keyof typeof REQUESTS;
type ResponseName = keyof typeof RESPONSES;

const ERRORS = {
  400: 'Bad input: a body, query or path value the contract does not allow.',
  401: 'No token, or a bad or expired one.',
  403: 'The caller may not do this (not a party of the trade, or the wrong side).',
  404: 'No such trade or notification (or not the caller’s).',
  409: 'The request conflicts with the current state.',
  413: 'The request body is too large.',
  429: 'Too many requests; slow down.',
  503: 'A dependency (database, broker) is unavailable: retry after `Retry-After` seconds.',
} as const;
type ErrorStatus = keyof typeof ERRORS;

interface Operation {
  method: 'get' | 'post';
  /** The path below the server root, `{name}` for path parameters. */
  path: string;
  summary: string;
  /** No bearer token needed. */
  anonymous?: boolean;
  body?: RequestName;
  query?: z.ZodObject;
  ok: Success;
  /** A second success answer, e.g. a retry's. */
  alsoOk?: Success;
  errors: ErrorStatus[];
  /** What an error means for this operation, where ERRORS is too general. */
  errorNotes?: Partial<Record<ErrorStatus, string>>;
}

interface Success {
  status: number;
  schema?: ResponseName;
  description: string;
  contentType?: string;
}

// The sync route parses its query by hand on its lean path (src/http/sync-query.ts); this describes it.
const syncQuery = z.object({
  trades: z
    .string()
    .optional()
    .meta({
      description: `<tradeId>:<afterSeq>[:<readSeq>:<peerReadSeq>][,…], at most ${MAX_SYNC_TRADES} trades, each once. The optional read seqs are the client's \`reads\` of the trade: a long poll also answers when either moved past them.`,
    }),
  notificationsAfterSeq: z.number().int().min(0).optional().meta({ description: 'The last notification seq the caller has; default 0.' }),
  tradesAfter: z.string().optional().meta({ description: "The previous answer's tradesCursor; omitted: all of the caller's trades." }),
  wait: z.number().int().min(0).max(MAX_SYNC_WAIT_SECONDS).optional().meta({ description: 'Long poll: hold up to this many seconds until something arrives.' }),
  fresh: z.enum(['0', '1']).optional().meta({
    description:
      "1: read every cursor from the database, not from the api's memory. For the catch-up right after a socket's subscriptions are confirmed (the memory may not have heard yet of a message the gateway pushed before them).",
  }),
});

// Every authenticated call can also meet 401 and 503.
const AUTHED: ErrorStatus[] = [401, 503];

const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/p2p/trades',
    summary: 'Open a trade; the caller is the buyer.',
    body: 'OpenTradeRequest',
    ok: { status: 201, schema: 'Trade', description: 'The new trade, PENDING.' },
    errors: [400, 413, 429, ...AUTHED],
  },
  {
    method: 'get',
    path: '/p2p/trades',
    summary: "The caller's trades (as buyer or seller), most recently changed first.",
    query: tradeListQuery,
    ok: { status: 200, schema: 'TradeViewList', description: "The trades, each with the caller's read state." },
    errors: [400, ...AUTHED],
  },
  {
    method: 'get',
    path: '/p2p/trades/{tradeId}',
    summary: 'A trade: its buyer, its seller or an admin.',
    ok: { status: 200, schema: 'TradeView', description: "The trade with the caller's read state (null fields for an admin who is not a party)." },
    errors: [403, 404, ...AUTHED],
  },
  {
    method: 'post',
    path: '/p2p/trades/{tradeId}/status',
    summary:
      'Change the status (see the status rules); appends system messages and publishes a TradeStatusEvent. An ADMIN who is not a party resolves a DISPUTED trade (the mediator) to RELEASED or CANCELLED, with an optional `reason`; status change, system message, transcript chain entries, audit row and events commit together.',
    body: 'StatusChangeRequest',
    ok: { status: 200, schema: 'Trade', description: 'The trade after the change.' },
    errors: [400, 403, 404, 409, 413, ...AUTHED],
    errorNotes: {
      400: 'Bad input, or a `reason` with a change that is not a mediator’s resolution.',
      403: 'Not the caller’s trade, or the wrong side; a party moving a DISPUTED trade to RELEASED or CANCELLED (only the mediator resolves).',
      409: 'The status change is not allowed from the trade’s current status (a resolution of a trade that is not DISPUTED included).',
    },
  },
  {
    method: 'post',
    path: '/p2p/trades/{tradeId}/chat',
    summary:
      'Send a chat message to the trade. A retry with the same `clientMessageId` answers 200 with the message stored by the first try; the same key with another text is 409.',
    body: 'ChatMessageRequest',
    ok: { status: 201, schema: 'ChatMessage', description: 'The stored message.' },
    alsoOk: { status: 200, schema: 'ChatMessage', description: 'A retry (same sender, trade and `clientMessageId`): the message the first try stored.' },
    errors: [400, 403, 404, 409, 413, 429, ...AUTHED],
    errorNotes: { 409: 'The `clientMessageId` was already used for another message in this trade.' },
  },
  {
    method: 'post',
    path: '/p2p/trades/{tradeId}/read',
    summary:
      "Store the caller's last-read chat seq. It never moves backwards: a lower or equal seq answers 200 with the stored state and publishes nothing; a move publishes a ReadReceiptEvent to both parties on /topic/trades/{tradeId}/read.",
    body: 'ReadRequest',
    ok: { status: 200, schema: 'ReadState', description: 'The stored state (higher than the seq sent when a later one was already stored).' },
    errors: [400, 403, 404, 413, 429, ...AUTHED],
    errorNotes: {
      400: 'The seq is not a positive integer, or is past the chat’s last message.',
      403: 'The caller is not the buyer or the seller (admins included).',
      429: 'More than READ_RATE_LIMIT_PER_MINUTE receipts from this user in a minute, REST and socket together.',
    },
  },
  {
    method: 'get',
    path: '/p2p/trades/{tradeId}/chat',
    summary:
      'The chat, by time (`since`) or loss-free by cursor (`afterSeq`); not both. The parties, and once the trade is disputed an ADMIN (the mediator, who sees both sides’ system messages; a page that is not empty is written to the audit trail).',
    query: chatQuery,
    ok: { status: 200, schema: 'ChatMessageList', description: 'The messages after the cursor, ascending.' },
    errors: [400, 403, 404, ...AUTHED],
  },
  {
    method: 'get',
    path: '/p2p/trades/{tradeId}/audit',
    summary: 'The audit trail of what mediators did in the trade’s room (joined, read a page, posted, resolved), oldest first. Admins only.',
    ok: { status: 200, schema: 'AuditEntryList', description: 'The entries, oldest first; [] when no mediator acted.' },
    errors: [403, 404, ...AUTHED],
  },
  {
    method: 'post',
    path: '/p2p/trades/{tradeId}/audit/joins',
    summary:
      'Record that the caller, a mediator (an ADMIN who is not a party, in a disputed trade), joined the trade’s room. The gateway calls it as the admin when they subscribe to the trade chat, and refuses the subscription when it fails.',
    ok: { status: 204, description: 'Recorded.' },
    errors: [403, 404, ...AUTHED],
    errorNotes: { 403: 'The caller is not a mediator of this trade (not an admin, a party, or the trade was never disputed).' },
  },
  {
    method: 'get',
    path: '/p2p/disputes',
    summary: 'The disputes for the admins’ Disputes list: DISPUTED trades, longest waiting first, then those resolved in the last 7 days, most recent first.',
    query: disputeListQuery,
    ok: { status: 200, schema: 'DisputeList', description: 'At most `limit` (default 100) trades, each with `disputedAt`.' },
    errors: [400, 403, ...AUTHED],
    errorNotes: { 403: 'The caller is not an admin.' },
  },
  {
    method: 'get',
    path: '/p2p/notifications',
    summary: "The caller's notifications, by time (`since`) or loss-free by cursor (`afterSeq`).",
    query: notificationQuery,
    ok: { status: 200, schema: 'NotificationList', description: 'The notifications, oldest first.' },
    errors: [400, ...AUTHED],
  },
  {
    method: 'post',
    path: '/p2p/notifications/{id}/read',
    summary: 'Mark a notification read (idempotent).',
    ok: { status: 200, schema: 'Notification', description: 'The notification.' },
    errors: [404, ...AUTHED],
  },
  {
    method: 'get',
    path: '/p2p/sync',
    summary:
      "Everything a polling client needs in one request: each listed trade's chat, the notifications and the caller's trades past their cursors (docs/sync.md). 503 also when too many long polls are held.",
    query: syncQuery,
    ok: { status: 200, schema: 'SyncResponse', description: 'Past every cursor; empty lists when nothing is new.' },
    errors: [400, ...AUTHED],
  },
  {
    method: 'get',
    path: '/p2p/trades/{tradeId}/transcript',
    summary:
      "The trade's tamper-evident transcript (docs/transcript.md): its status timeline and every chain entry with digest, hash, signature and kid. A side gets the other side's own entries as digests only; an admin gets every entry once the trade is or was DISPUTED.",
    ok: { status: 200, schema: 'Transcript', description: "The transcript, with the server's re-verification of the stored chain in `check`." },
    errors: [403, 404, ...AUTHED],
    errorNotes: { 403: 'Not a party of the trade, or an admin before the trade was disputed.' },
  },
  {
    method: 'get',
    path: '/p2p/trades/{tradeId}/transcript/verify',
    summary: "Admins: re-verifies the trade's stored chain and reports its first break.",
    ok: { status: 200, schema: 'ChainCheck', description: '`valid`, or the first entry that breaks the chain and why.' },
    errors: [403, 404, ...AUTHED],
    errorNotes: { 403: 'The caller is not an admin.' },
  },
  {
    method: 'get',
    path: '/p2p/transcript-keys',
    summary: 'The Ed25519 public keys that verify transcript signatures, by kid: the signing key, then retired ones.',
    anonymous: true,
    ok: { status: 200, schema: 'TranscriptKeys', description: 'The keys.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'The process is alive (every role).',
    anonymous: true,
    ok: { status: 200, schema: 'Health', description: 'Alive.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Every dependency answers (every role); 503 with the same body when one does not.',
    anonymous: true,
    ok: { status: 200, schema: 'Readiness', description: 'Ready.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (every role), with `Authorization: Bearer <METRICS_TOKEN>` when one is configured.',
    anonymous: true,
    ok: { status: 200, description: 'Prometheus text format.', contentType: 'text/plain' },
    errors: [401, 403],
    errorNotes: { 401: 'Not `Bearer <METRICS_TOKEN>`.', 403: 'Production without METRICS_TOKEN: metrics are off.' },
  },
  {
    method: 'get',
    path: '/',
    summary: 'The demo page (the built browser client).',
    anonymous: true,
    ok: { status: 200, description: 'HTML.', contentType: 'text/html' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/favicon.ico',
    summary: 'Browsers ask for it whatever a page links: the demo page’s icon.',
    anonymous: true,
    ok: { status: 301, description: 'Moved to /favicon.svg.' },
    errors: [],
  },
  {
    method: 'get',
    path: '/config.json',
    summary: 'The demo page’s configuration: where its socket may go.',
    anonymous: true,
    ok: { status: 200, schema: 'PageConfig', description: 'The configuration.' },
    errors: [],
  },
  {
    method: 'post',
    path: '/demo/login',
    summary: 'Demo mode only (`npm start`): a token for any user id, an admin’s if asked.',
    anonymous: true,
    body: 'DemoLoginRequest',
    ok: { status: 200, schema: 'DemoLoginResponse', description: 'A token.' },
    errors: [400],
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document.',
    anonymous: true,
    ok: { status: 200, description: 'OpenAPI 3.1.', contentType: 'application/json' },
    errors: [],
  },
  {
    method: 'get',
    path: '/asyncapi.json',
    summary: 'The AsyncAPI 3 document of the STOMP destinations and the RabbitMQ events.',
    anonymous: true,
    ok: { status: 200, description: 'AsyncAPI 3.0.', contentType: 'application/json' },
    errors: [],
  },
];

const PATH_PARAMETERS: Record<string, string> = {
  tradeId: 'The trade id (a UUID, as the API returns it).',
  id: 'The notification id (a UUID).',
};

function parameters(operation: Operation): JsonSchema[] {
  const inPath = [...operation.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: PATH_PARAMETERS[name!],
    schema: { type: 'string' },
  }));
  const inQuery = Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !(schema as z.ZodType).safeParse(undefined).success,
    schema: inline(schema as z.ZodType, { ...SCHEMA_OPTIONS, io: 'input' }),
  }));
  return [...inPath, ...inQuery];
}

const json = (id: string) => ({ 'application/json': { schema: { $ref: REF(id) } } });

function success(ok: Success): JsonSchema {
  if (ok.schema) return { description: ok.description, content: json(ok.schema) };
  return { description: ok.description, ...(ok.contentType ? { content: { [ok.contentType]: {} } } : {}) };
}

function operationObject(operation: Operation): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const ok of [operation.ok, operation.alsoOk]) if (ok) responses[ok.status] = success(ok);
  for (const status of operation.errors) {
    responses[status] = { description: operation.errorNotes?.[status] ?? ERRORS[status], content: json('Error') };
  }
  return {
    summary: operation.summary,
    ...(operation.anonymous ? { security: [] } : {}),
    parameters: parameters(operation),
    ...(operation.body ? { requestBody: { required: true, content: json(operation.body) } } : {}),
    responses,
  };
}

export function openApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of OPERATIONS) (paths[operation.path] ??= {})[operation.method] = operationObject(operation);
  return {
    openapi: '3.1.0',
    info: {
      title: 'P2P realtime gateway: REST API',
      version: PACKAGE_VERSION,
      description:
        'Every `/p2p/...` path is also served under `/api/p2p/...` (the plan’s client). Errors are `{error, message}`. ' +
        'See docs/contract.md and docs/api.md in the repository.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256; `sub` = user id, optional `roles: ["ADMIN"]`.' } },
      schemas: {
        ...components(REQUESTS, { ...SCHEMA_OPTIONS, io: 'input' }),
        ...components(RESPONSES, { ...SCHEMA_OPTIONS, io: 'output' }),
      },
    },
  };
}
