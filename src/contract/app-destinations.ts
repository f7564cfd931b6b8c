// The application destinations a client SENDs to (docs/contract.md), as Spring's @MessageMapping
// names them: `/app/...`. The gateway parses them, the browser client builds them. No
// dependencies beyond the id formats.
import { isUuid } from './ids.js';

export const APP_DESTINATION_KINDS = ['chat', 'read', 'typing'] as const;
export type AppDestinationKind = (typeof APP_DESTINATION_KINDS)[number];

/**
 * SENDs per session that may wait for their turn or their commit. The next is the user error
 * `rate_limited`; a typing frame is dropped instead, as its excess always is.
 */
export const MAX_SENDS_IN_FLIGHT = 8;

/**
 * Typing frames the gateway relays per user and second (a token bucket); the excess is dropped
 * silently. A burst of two absorbs a client's timer jitter, so one that sends at
 * TYPING_INTERVAL_MS is never cut.
 */
export const TYPING_PER_SECOND = 1;
export const TYPING_BURST = 2;
/** How often a client sends typing while the user types: more would only be dropped. */
export const TYPING_INTERVAL_MS = 1000 / TYPING_PER_SECOND;

export interface AppDestination {
  kind: AppDestinationKind;
  tradeId: string;
}

const appDestination = (kind: AppDestinationKind) => (tradeId: string) => `/app/trades/${tradeId}/${kind}`;

export const appDestinations = {
  chat: appDestination('chat'),
  read: appDestination('read'),
  typing: appDestination('typing'),
} as const satisfies Record<AppDestinationKind, (tradeId: string) => string>;

/** The address templates, as the AsyncAPI document and docs/contract.md name them. */
export const APP_DESTINATION_TEMPLATES = Object.fromEntries(APP_DESTINATION_KINDS.map((kind) => [kind, appDestinations[kind]('{tradeId}')])) as Record<
  AppDestinationKind,
  string
>;

/** What each SEND carries: the body of the REST route it stands for (typing: none read). */
export const APP_DESTINATION_PAYLOADS = {
  chat: 'ChatSend',
  read: 'ReadSend',
  typing: 'TypingSend',
} as const satisfies Record<AppDestinationKind, string>;

/** What each SEND does, for the AsyncAPI document and docs/contract.md. */
export const APP_DESTINATION_EFFECTS: Record<AppDestinationKind, string> = {
  chat: 'Sends a chat message as the session user: exactly POST /p2p/trades/{tradeId}/chat.',
  read: "Stores the session user's last-read seq: exactly POST /p2p/trades/{tradeId}/read.",
  typing: `Tells the other party the session user is typing (/topic/trades/{tradeId}/typing); never stored, at most ${TYPING_PER_SECOND} a second per user (a burst of ${TYPING_BURST}), the excess dropped silently.`,
};

// Lower-case trade ids only, as for the topics: the id is the API's, spelt as the API hands it out.
const APP_RE = new RegExp(`^/app/trades/([0-9a-f-]{36})/(${APP_DESTINATION_KINDS.join('|')})$`);

/** Exact matches only, like parseDestination: anything else is not an application destination. */
export function parseAppDestination(text: string): AppDestination | undefined {
  const match = APP_RE.exec(text);
  if (!match || !isUuid(match[1]!)) return undefined;
  return { kind: match[2] as AppDestinationKind, tradeId: match[1]! };
}
