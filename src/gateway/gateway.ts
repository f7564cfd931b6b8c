import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { GatewaySettings } from '../config/gateway-settings.js';
import { verifyToken, type TokenRules } from '../auth/jwt.js';
import { CLOSE_CODES, drainCloseReason } from '../contract/close-codes.js';
import type { TradeAccess, TradeParties } from '../domain/trade-access.js';
import type { Consumer, EventBus } from '../messaging/event-bus.js';
import type { Metrics } from '../observability/metrics.js';
import type { ClientConnection, TransportKind } from '../transport/client-connection.js';
import { join } from 'node:path';
import { CLIENT_DIST_DIR, SOCKJS_CLIENT_FILE } from '../config/client-dist.js';
import { attachEndpoints } from '../transport/http-attach.js';
import { originGate } from '../transport/origin-gate.js';
import { createSockJsEndpoint } from '../transport/sockjs-transport.js';
import { createWebSocketEndpoint } from '../transport/ws-transport.js';
import { ApiClient } from './app-sends/api-client.js';
import { createAppHandlers } from './app-sends/app-handlers.js';
import { ConnectionQuota } from './connection-quota.js';
import { drainInBatches } from './drain.js';
import { DestinationGuard } from './destinations.js';
import { EVENT_LISTENERS } from './event-listeners.js';
import { startExpirySweep } from './expiry-sweep.js';
import { createGatewayMetrics, type GatewayStats } from './gateway-metrics.js';
import { startPresence } from './presence.js';
import { StompSession, type SessionDeps } from './stomp-session.js';
import { RecentEvents } from './recent-events.js';
import { SubscriptionRegistry } from './subscription-registry.js';

export type { GatewayStats } from './gateway-metrics.js';

export interface GatewayDeps {
  bus: EventBus;
  trades: TradeAccess & TradeParties;
  tokens: TokenRules;
  logger: Logger;
  metrics: Metrics;
  /** The api runs in this process and serves on the same server (role `all`): SENDs go there unless API_URL says otherwise. */
  apiInProcess: boolean;
}

export interface Gateway {
  /** Serves `/ws` (SockJS) and `/ws/websocket` (plain WebSocket) on the server, ahead of its REST app. */
  attach(server: Server): void;
  stats(): GatewayStats;
  /** False once draining or closed: new client sockets are refused and /readyz says not ready. */
  isAccepting(): boolean;
  /**
   * A redeploy (SIGTERM): refuses new client sockets and closes the open sessions with the
   * drain close code in batches over `drainMs`, still delivering to those not yet closed.
   * Resolves at the end of the window (sooner when nobody is left); close() comes next.
   */
  drain(): Promise<void>;
  /** Stops consuming and closes every client still open cleanly (they fall back to polling). */
  close(): Promise<void>;
}

const SOCKJS_PREFIX = '/ws';
const WEBSOCKET_PATH = '/ws/websocket';
const MAX_FRAME_BYTES = 64 * 1024;
// Room for a few frames coalesced into one transport message; each frame is held to MAX_FRAME_BYTES.
const MAX_MESSAGE_BYTES = 2 * MAX_FRAME_BYTES;
// How long close() lets clients answer the close handshake before cutting them off.
const SHUTDOWN_GRACE_MS = 1_000;

/** Starts consuming gateway events; clients arrive once attach() puts it on an HTTP server. */
export async function startGateway(settings: GatewaySettings, deps: GatewayDeps): Promise<Gateway> {
  const logger = deps.logger.child({ component: 'gateway' });
  const registry = new SubscriptionRegistry();
  const presence = await startPresence(settings.presence, { bus: deps.bus, registry, trades: deps.trades, logger, queue: settings.queues.presence });
  registry.observe(presence);
  // Until the transport reports the socket closed, which may be after the session has ended.
  const open = new Map<ClientConnection, StompSession>();
  let consumers: Consumer[] = [];
  let draining = false;
  let closing: Promise<void> | undefined;

  const stats = (): GatewayStats => {
    const connections: Record<TransportKind, number> = { websocket: 0, sockjs: 0 };
    for (const connection of open.keys()) connections[connection.transport]++;
    return { connections, subscriptions: registry.size, consuming: consumers.length > 0 && deps.bus.isReady(), presence: presence.counts() };
  };
  const metrics = createGatewayMetrics(deps.metrics.registry, stats);
  // The server this gateway is attached to: under role `all` it serves the api too.
  let server: Server | undefined;
  const apiUrl = settings.apiUrl;
  if (!apiUrl && !deps.apiInProcess) logger.warn('API_URL is not set: SENDs to /app/... are answered with the user error "unavailable"');
  const api = new ApiClient(apiUrl ? () => new URL(apiUrl) : deps.apiInProcess ? () => ownUrl(server) : () => undefined, settings.apiTimeoutMs);

  const sessionDeps: SessionDeps = {
    settings: {
      heartbeatMs: settings.heartbeatMs,
      maxFrameBytes: MAX_FRAME_BYTES,
      maxSubscriptions: settings.maxSubscriptionsPerConnection,
      maxBufferedBytes: settings.maxBufferedBytes,
      connectTimeoutMs: settings.connectTimeoutMs,
      maxSendBodyBytes: settings.maxSendBodyBytes,
    },
    verify: (authorization) => verifyToken(authorization, deps.tokens),
    quota: new ConnectionQuota(settings.maxConnectionsPerUser),
    // TradeService remembers each trade's parties, so repeated subscriptions cost no query.
    guard: new DestinationGuard(deps.trades, async (tradeId, authorization) => {
      await api.post(`/p2p/trades/${tradeId}/audit/joins`, authorization, {});
    }),
    registry,
    app: createAppHandlers({ api, bus: deps.bus, trades: deps.trades, logger }),
    metrics,
    logger,
  };

  let onAllClosed: (() => void) | undefined;
  const accept = (connection: ClientConnection) => {
    if (closing) return connection.close(CLOSE_CODES.shutdown, 'server shutting down');
    // A request that started a connection just before the refusals began: go elsewhere now.
    if (draining) return connection.close(CLOSE_CODES.drain, drainCloseReason(0));
    open.set(connection, new StompSession(connection, sessionDeps));
    connection.onClose(() => {
      open.delete(connection);
      if (open.size === 0) onAllClosed?.();
    });
  };
  const endpoints = [
    originGate({ prefix: SOCKJS_PREFIX, allowedOrigins: settings.handshakeOrigins }),
    createWebSocketEndpoint({ path: WEBSOCKET_PATH, maxMessageBytes: MAX_MESSAGE_BYTES, pingIntervalMs: settings.wsPingMs, onConnection: accept }),
    createSockJsEndpoint({
      prefix: SOCKJS_PREFIX,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      logger,
      clientScriptPath: join(CLIENT_DIST_DIR, SOCKJS_CLIENT_FILE),
      iframeAncestors: settings.iframeAncestors,
      onConnection: accept,
    }),
  ];

  const stopExpirySweep = startExpirySweep(() => open.values(), settings.tokenLeewayMs);
  const recent = new RecentEvents();
  consumers = await Promise.all(
    EVENT_LISTENERS.map((listener) =>
      deps.bus.consume({ queue: settings.queues[listener.queue], delivery: 'per-instance', routingKeys: [...listener.routingKeys] }, async (event) => {
        if (!recent.firstTime(event.eventId)) return;
        // Never throws: a failed handler would have the bus redeliver to every subscriber.
        for (const publication of listener.route(event)) metrics.messagesDelivered.inc(registry.publish(publication));
        deps.metrics.eventsConsumed.inc({ consumer: `gateway-${listener.name}` });
      }),
    ),
  );

  const isAccepting = () => !draining && !closing;
  const shutDown = async () => {
    stopExpirySweep();
    await Promise.all(consumers.map((c) => c.cancel().catch((err: unknown) => logger.warn({ err }, 'cancelling a gateway consumer failed'))));
    consumers = [];
    for (const session of open.values()) session.shutdown();
    if (open.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        onAllClosed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const connection of open.keys()) connection.terminate();
    api.close();
    await presence.stop();
  };

  return {
    attach: (httpServer) => {
      server = httpServer;
      attachEndpoints(httpServer, endpoints, isAccepting);
    },
    stats,
    isAccepting,
    async drain() {
      if (!isAccepting()) return;
      draining = true;
      logger.info({ sessions: open.size, drainMs: settings.drainMs }, 'draining: closing sessions in batches');
      await drainInBatches([...open.values()], settings.drainMs, () => closing !== undefined || open.size === 0);
    },
    close: () => (closing ??= shutDown()),
  };
}

/**
 * The api in this same process (role `all`): its own listener, so a SEND passes through the same
 * request pipeline, rate limit and writer as a REST request. Undefined when not listening.
 */
function ownUrl(server: Server | undefined): URL | undefined {
  const address = server?.address() as AddressInfo | string | null | undefined;
  if (!address || typeof address === 'string') return undefined;
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return new URL(`http://${address.family === 'IPv6' ? `[${host}]` : host}:${address.port}`);
}
