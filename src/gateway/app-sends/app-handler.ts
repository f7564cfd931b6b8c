import type { Actor } from '../../auth/actor.js';
import type { AppDestinationKind } from '../../contract/app-destinations.js';

/** What a handler learns of a SEND before it is queued (see AppHandler.admit). */
export interface AppSendHead {
  actor: Actor;
  tradeId: string;
  /** The sending session, opaque: a key for per-session state (a WeakMap), never to be called. */
  session: object;
}

/** A SEND whose turn has come. */
export interface AppSend extends AppSendHead {
  /** The CONNECT frame's Authorization value as verified (`Bearer <token>`): forwarded to the api, which authenticates the user as on REST. */
  authorization: string;
  /**
   * The body as JSON, already checked by the session: a content-type of none, application/json or
   * text/plain; at most the REST body limit; valid JSON. An empty body is `undefined`.
   */
  body: unknown;
}

/**
 * Handles SENDs to one kind of application destination, `/app/trades/{tradeId}/<kind>`, as
 * Spring's @MessageMapping does. The contract between a session and its handlers:
 *
 * - In order: a session calls handle() for one of its frames at a time, in the order they came,
 *   and handles no later frame (SUBSCRIBE included) until the promise settles. A handler needs
 *   no ordering of its own.
 * - Receipt after commit: handle() resolves once the effect is durable (for chat: the api
 *   committed the message and its outbox row); only then does the session send the RECEIPT the
 *   frame asked for. Nothing may be stored for a SEND that ends in an error.
 * - User errors: a refusal the user can act on (validation, rate limit, not a party, no such
 *   trade, the api or database unavailable) is thrown as an AppUserError with a REST error code.
 *   The session sends it to the sender's `/user/queue/errors` with the frame's `receipt` as
 *   `receipt-id` and keeps the connection; a session not subscribed there gets ERROR, then close.
 * - Protocol errors are the session's: a SEND outside `/app/...`, a malformed or oversized frame.
 *   Anything else a handler throws is a bug: ERROR `internal`, then close.
 * - At most MAX_SENDS_IN_FLIGHT (src/contract/app-destinations.ts) SENDs per session wait for
 *   their turn or their commit; the next one is a user error (`rate_limited`) without reaching a
 *   handler, or, for a kind with admit(), dropped as admit() drops (without asking it).
 */
export interface AppHandler {
  /**
   * Optional: runs as the frame is parsed, before it is queued, so frames in excess (typing past
   * its rate) cost no queue space and never wait behind a SEND. False drops the frame silently; a
   * frame that asked for a receipt still gets it, in order. Synchronous and cheap: it runs for
   * every frame of this kind. Not called for frames that arrive before CONNECT was handled.
   */
  admit?(send: AppSendHead): boolean;
  handle(send: AppSend): Promise<void>;
}

/** The handlers a gateway runs, by destination kind; a kind without one answers `not_found`. */
export type AppHandlers = Partial<Record<AppDestinationKind, AppHandler>>;
