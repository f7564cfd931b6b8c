/** The gateway's queue names (each instance binds its own copy of each). */
export interface GatewayQueues {
  trade: string;
  chat: string;
  notification: string;
  typing: string;
  presence: string;
}

/** Presence across gateways (docs/gateway.md, "Presence and typing"). */
export interface PresenceSettings {
  /** How long a party stays online after its last chat subscription here ended (a reconnect). */
  graceMs: number;
  /** How often each gateway announces everything it holds. */
  refreshMs: number;
  /** How long the other gateways keep an announcement: a killed gateway's parties go offline after it. */
  ttlMs: number;
}

/** The gateway's part of the configuration: config.ts reads it from the environment, the gateway runs on it. */
export interface GatewaySettings {
  queues: GatewayQueues;
  heartbeatMs: number;
  /** WebSocket ping period, which also finds vanished peers (see ws-transport.ts). */
  wsPingMs: number;
  maxBufferedBytes: number;
  maxSubscriptionsPerConnection: number;
  maxConnectionsPerUser: number;
  connectTimeoutMs: number;
  /** How long a SIGTERM drain spreads the closing of sessions over; 0 closes them all at once. */
  drainMs: number;
  /** How long past its token's expiry a session may live (clock skew); at most 30 s. */
  tokenLeewayMs: number;
  /** Browser origins whose handshakes are accepted ('*': any); a request without Origin always is. */
  handshakeOrigins: string[];
  /** Who may frame the SockJS iframe page (/ws/iframe.html): the API's CORS origins. */
  iframeAncestors: string[];
  /**
   * The api's internal base URL (API_URL), where SENDs to `/app/...` are handed as their user.
   * Undefined: the api in this same process (role `all`), reached on the server the gateway is
   * attached to; a role `gateway` without it answers such SENDs `unavailable`.
   */
  apiUrl: string | undefined;
  /** How long a SEND waits for the api's answer before it is a user error `unavailable`. */
  apiTimeoutMs: number;
  /** The largest SEND body: REST's body limit (BODY_LIMIT_BYTES), so both refuse alike. */
  maxSendBodyBytes: number;
  presence: PresenceSettings;
}
