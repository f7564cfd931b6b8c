// The STOMP destinations (docs/contract.md), built and parsed in one place: the gateway routes
// and authorizes with the parser, the browser client subscribes with the builders. No
// dependencies beyond the id formats.
import { isUserId, isUuid } from './ids.js';

export const destinations = {
  allTrades: '/topic/trades',
  trade: (tradeId: string) => `/topic/trades/${tradeId}`,
  tradeChat: (tradeId: string) => `/topic/trades/${tradeId}/chat`,
  tradeRead: (tradeId: string) => `/topic/trades/${tradeId}/read`,
  tradePresence: (tradeId: string) => `/topic/trades/${tradeId}/presence`,
  tradeTyping: (tradeId: string) => `/topic/trades/${tradeId}/typing`,
  userTrades: (userId: string) => `/topic/users/${userId}/trades`,
  userNotifications: (userId: string) => `/topic/users/${userId}/notifications`,
} as const;

/**
 * Subscriptions one connection may hold unless the gateway is configured otherwise
 * (GATEWAY_MAX_SUBSCRIPTIONS): one more is refused with ERROR and the connection closed (1008).
 * Clients size what they follow at once to it.
 */
export const DEFAULT_MAX_SUBSCRIPTIONS = 100;

/**
 * Spring's user destinations: each session subscribes to the same text and the gateway resolves it
 * to the session's own user, so a client needs no user id to build them. MESSAGE frames carry the
 * destination as subscribed.
 */
export const userDestinations = {
  /** `{error, message}` for a SEND that was refused as a user error, with the SEND's `receipt` as `receipt-id`. */
  errors: '/user/queue/errors',
  notifications: '/user/queue/notifications',
  trades: '/user/queue/trades',
} as const;

export type UserQueue = keyof typeof userDestinations;

/** The destinations under one trade, by the path part after the trade id. */
const TRADE_SUBTOPICS = { chat: 'trade-chat', read: 'trade-read', presence: 'trade-presence', typing: 'trade-typing' } as const;
type TradeSubtopicKind = (typeof TRADE_SUBTOPICS)[keyof typeof TRADE_SUBTOPICS];

export type DestinationKind = 'all-trades' | 'trade' | TradeSubtopicKind | 'user-trades' | 'user-notifications' | `user-queue-${UserQueue}`;

export type Destination =
  | { kind: 'all-trades' }
  | { kind: 'trade' | TradeSubtopicKind; tradeId: string }
  | { kind: 'user-trades' | 'user-notifications'; userId: string }
  | { kind: `user-queue-${UserQueue}`; queue: UserQueue };

/** The address templates, as the AsyncAPI document and docs/contract.md name the channels. */
export const DESTINATION_TEMPLATES: Record<DestinationKind, string> = {
  'all-trades': destinations.allTrades,
  trade: destinations.trade('{tradeId}'),
  'trade-chat': destinations.tradeChat('{tradeId}'),
  'trade-read': destinations.tradeRead('{tradeId}'),
  'trade-presence': destinations.tradePresence('{tradeId}'),
  'trade-typing': destinations.tradeTyping('{tradeId}'),
  'user-trades': destinations.userTrades('{userId}'),
  'user-notifications': destinations.userNotifications('{userId}'),
  'user-queue-errors': userDestinations.errors,
  'user-queue-notifications': userDestinations.notifications,
  'user-queue-trades': userDestinations.trades,
};

/** What each destination carries: an event shape, the REST chat message shape, or the REST error body. */
export const DESTINATION_PAYLOADS = {
  'all-trades': 'TradeStatusEvent',
  trade: 'TradeStatusEvent',
  'trade-chat': 'ChatMessage',
  'trade-read': 'ReadReceiptEvent',
  'trade-presence': 'PresenceEvent',
  'trade-typing': 'TypingEvent',
  'user-trades': 'TradeStatusEvent',
  'user-notifications': 'NotificationEvent',
  'user-queue-errors': 'UserError',
  'user-queue-notifications': 'NotificationEvent',
  'user-queue-trades': 'TradeStatusEvent',
} as const satisfies Record<DestinationKind, string>;

/** Who may subscribe (the permission table; src/gateway/destinations.ts enforces it). */
export const SUBSCRIBERS: Record<DestinationKind, string> = {
  'all-trades': 'ADMIN only',
  trade: 'its buyer or seller, ADMIN',
  'trade-chat':
    'its buyer or seller; an ADMIN once the trade has been disputed (the mediator: both sides’ messages, the join recorded in the audit trail); a system message for BUYER or SELLER reaches only that side and the mediator',
  'trade-read': 'as its chat; every subscriber gets either party’s receipts',
  'trade-presence': 'as its chat; right after subscribing, one message per other party with its current state',
  'trade-typing': 'as its chat',
  'user-trades': 'that user',
  'user-notifications': 'that user',
  'user-queue-errors': 'any session: its own SEND errors',
  'user-queue-notifications': "any session: its user's notifications",
  'user-queue-trades': "any session: its user's trades' status events",
};

// Trade ids are matched in the lower-case form the API hands out: events are routed by exact
// string, so a differently spelt id would subscribe successfully and then never receive anything.
const TRADE_RE = new RegExp(`^/topic/trades/([0-9a-f-]{36})(?:/(${Object.keys(TRADE_SUBTOPICS).join('|')}))?$`);
const USER_RE = /^\/topic\/users\/([^/]+)\/(trades|notifications)$/;
const USER_QUEUES = Object.keys(userDestinations) as UserQueue[];

/**
 * Exact matches only: no wildcards, no path normalisation. Anything else is unknown, so
 * `/topic/trades/*` or `/topic/users/x/../y/trades` can never reach another user's messages.
 */
export function parseDestination(text: string): Destination | undefined {
  if (text === destinations.allTrades) return { kind: 'all-trades' };
  const trade = TRADE_RE.exec(text);
  if (trade && isUuid(trade[1]!)) return { kind: trade[2] ? TRADE_SUBTOPICS[trade[2] as keyof typeof TRADE_SUBTOPICS] : 'trade', tradeId: trade[1]! };
  const user = USER_RE.exec(text);
  if (user && isUserId(user[1]!)) return { kind: user[2] === 'trades' ? 'user-trades' : 'user-notifications', userId: user[1]! };
  const queue = USER_QUEUES.find((q) => userDestinations[q] === text);
  if (queue) return { kind: `user-queue-${queue}` as const, queue };
  return undefined;
}
