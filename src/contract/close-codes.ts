// The one table of WebSocket close codes the gateway uses (RFC 6455 section 7.4; 4000-4999 are
// ours). SockJS passes them on unchanged. Shared with the browser client, which decides from the
// code whether and when to reconnect. No dependencies.

export const CLOSE_CODES = {
  /** The client sent DISCONNECT. */
  disconnected: 1000,
  /** The process is stopping now (the last sessions of a drain, or a shutdown without one). */
  shutdown: 1001,
  /** A malformed or out-of-order frame. */
  protocol: 1002,
  /** Refused by policy: bad token, forbidden destination, unsupported frame, a limit, a timeout. */
  policy: 1008,
  /** A bug on the server side. */
  internal: 1011,
  /** A dependency (database, broker) is unavailable: try again later. */
  unavailable: 1013,
  /**
   * The gateway is draining (SIGTERM, redeploy): reconnect, elsewhere if possible. The close
   * reason may carry an advisory delay as `drain;retry-after-ms=<n>`.
   */
  drain: 4000,
  /**
   * The session's token expired: get a new token before reconnecting. Not 4001: @stomp/stompjs
   * reports every socket it discards itself (connect timeout, missed heart-beats) as 4001, so a
   * client could not tell its own timeout from the gateway's word.
   */
  tokenExpired: 4401,
} as const;

export type CloseCodeName = keyof typeof CLOSE_CODES;
export type CloseCode = (typeof CLOSE_CODES)[CloseCodeName];

// Lenient on purpose: a later reason may add parts (`drain;retry-after-ms=120;…`).
const DRAIN_DELAY = /(?:^|;)\s*retry-after-ms=(\d+)/;

/** The close reason of a drain close: how long the client is advised to wait before reconnecting. */
export function drainCloseReason(retryAfterMs: number): string {
  return `drain;retry-after-ms=${Math.max(0, Math.round(retryAfterMs))}`;
}

/** The advisory delay in a drain close reason; undefined when the reason carries none. */
export function retryAfterMsOf(reason: string): number | undefined {
  const match = DRAIN_DELAY.exec(reason);
  return match ? Number(match[1]) : undefined;
}
