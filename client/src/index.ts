// The library's entry point (bundled as client/dist/realtime-client.js).
import { systemClock } from './clock.js';
import { RealtimeClient, type RealtimeClientOptions } from './realtime-client.js';
import { socketOptions, stompjsConnector, type SocketChoices } from './stompjs-link.js';

export interface BrowserClientOptions extends RealtimeClientOptions {
  /**
   * Default: SOCKET_DEFAULTS, at `${baseUrl}/ws`: transport `auto` (a plain WebSocket, SockJS
   * where WebSockets are blocked), 10 s heart-beats, 20 s connect timeout, 5 s receipt timeout
   * (counted once the SENDs sent before the SUBSCRIBE are answered, as the gateway answers in
   * order). `urls` lists gateways to move between on failure; `url` is the one-gateway form.
   */
  socket?: SocketChoices;
}

/** A RealtimeClient on the browser's fetch, timers and @stomp/stompjs. Call start() to connect. */
export function createRealtimeClient(options: BrowserClientOptions): RealtimeClient {
  const socket = socketOptions(options.socket ?? {}, options.baseUrl ?? '');
  return new RealtimeClient(options, {
    connector: stompjsConnector(socket),
    // Called through a wrapper: the browser's fetch throws when called as a method of another object.
    fetch: (url, init) => fetch(url, init),
    clock: systemClock,
    random: Math.random,
  });
}

export { RealtimeClient } from './realtime-client.js';
export type { ConnectionState, RealtimeClientDeps, RealtimeClientOptions, RealtimeEvents } from './realtime-client.js';
export { ApiError, RestApi } from './rest-api.js';
export type { DisputeResolution, Fetch, TokenGetter } from './rest-api.js';
export type { LinkLoss, StompConnector, StompLink, StompLinkHandlers, Subscription } from './stomp-link.js';
export { SOCKET_DEFAULTS, type SocketChoices, type SocketOptions } from './stompjs-link.js';
export { endpointUrl, TRANSPORT_OPTIONS, type TransportOption } from './socket-transport.js';
export type { TradeStatusUpdate } from './trade-statuses.js';
export type { Clock } from './clock.js';
export * from './wire.js';
export * from './transcript.js';
