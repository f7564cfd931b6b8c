import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Config, Role } from '../config/config.js';
import type { TokenRules } from '../auth/jwt.js';
import type { Database } from '../persistence/database.js';
import type { EventBus, Consumer } from '../messaging/event-bus.js';
import { OutboxRelay, type OutboxRelayOptions } from '../messaging/outbox-relay.js';
import { Outbox } from '../messaging/outbox.js';
import { TradeService } from '../domain/trade-service.js';
import { ChatService } from '../domain/chat-service.js';
import { ChatReadService } from '../domain/chat-reads.js';
import { DisputeAuditService } from '../domain/dispute-audit.js';
import { NotificationService } from '../domain/notification-service.js';
import { TranscriptChain } from '../domain/transcript-chain.js';
import { TranscriptService } from '../domain/transcript-service.js';
import { resolveTranscriptKeys } from '../config/transcript-keys.js';
import { startNotificationWorker } from '../workers/notification-worker.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createHttpApp } from '../http/api-app.js';
import { apiRequestPipeline } from '../http/request-pipeline.js';
import { withLeanSync } from '../http/sync-route.js';
import { HeadCache } from '../sync/head-cache.js';
import { applyEvent, startHeadFeed } from '../sync/head-feed.js';
import { SyncService } from '../sync/sync-service.js';
import { RecentChat } from '../sync/recent-chat.js';
import { Unavailable } from '../http/unavailable.js';
import { OverloadGuard } from '../http/overload.js';
import { startGateway, type Gateway } from '../gateway/gateway.js';
import { createEventBus, openDatabase } from './infrastructure.js';

export type SystemConfig = Config & { jwtSecret: string };

/** The one set of token rules every entry point verifies with. */
export function tokenRules(config: SystemConfig): TokenRules {
  return { secret: config.jwtSecret, ...config.jwt };
}

export interface SystemDeps {
  /** Supplied by tests to run the same system on a chosen driver. */
  db?: Database;
  bus?: EventBus;
  relay?: OutboxRelayOptions;
}

export interface System {
  role: Role;
  app: Express;
  /** What the HTTP server runs: `app`, behind the lean sync route on roles that serve the API. */
  handler: RequestListener;
  db: Database;
  bus: EventBus;
  relay: OutboxRelay;
  outbox: Outbox;
  metrics: Metrics;
  trades: TradeService;
  chat: ChatService;
  reads: ChatReadService;
  notifications: NotificationService;
  transcripts: TranscriptService;
  /** Seals transcript entries: every chat and status write goes through it. */
  chain: TranscriptChain;
  /** Roles that serve the API. */
  sync: SyncService | undefined;
  /** Roles `all` and `api`: sheds reads when overloaded; a lean API path must use it too. */
  overload: OverloadGuard | undefined;
  /** Answers and counts every 503 with Retry-After. */
  unavailable: Unavailable;
  /** Roles `all` and `gateway`: attach it to the HTTP server that serves `app`. */
  gateway: Gateway | undefined;
  close(): Promise<void>;
}

const SERVES_API: readonly Role[] = ['all', 'api'];
// Recent messages kept per synced trade (a woken long poll is usually one behind), and trades kept:
// at most 40,000 messages, about 8 MB at 200 bytes each.
const RECENT_PER_TRADE = 4;
const RECENT_TRADES = 10_000;
const RUNS_NOTIFICATIONS: readonly Role[] = ['all', 'notification'];
const RUNS_GATEWAY: readonly Role[] = ['all', 'gateway'];

/** The composition root: wires drivers, services and the HTTP app for one role. */
export async function startSystem(config: SystemConfig, logger: Logger, deps: SystemDeps = {}): Promise<System> {
  const db = deps.db ?? (await openDatabase(config, logger));
  const bus = deps.bus ?? createEventBus(config, logger);

  const servesApi = SERVES_API.includes(config.role);
  let relay: OutboxRelay | undefined;
  let overload: OverloadGuard | undefined;
  const metrics = createMetrics(config.role, {
    outboxPending: () => relay?.pendingCount() ?? Promise.resolve(0),
    busConnected: () => bus.isReady(),
    ...(servesApi
      ? { overload: () => ({ inFlight: overload?.inFlight ?? 0, eventLoopLagMs: overload?.eventLoopLagMs ?? 0 }), databaseReads: () => db.reads }
      : {}),
  });
  relay = new OutboxRelay(db, bus, logger.child({ component: 'outbox' }), {
    ...deps.relay,
    onPublished: (n) => metrics.eventsPublished.inc(n),
    onPublishFailed: () => metrics.publishFailures.inc(),
  });
  // The sync route's feed heads, fed by this process's commits at once and by every other one's events.
  const memory = servesApi ? { heads: new HeadCache(config.sync.cacheMaxEntries), recent: new RecentChat(RECENT_PER_TRADE, RECENT_TRADES) } : undefined;
  const outbox = new Outbox(db, (events) => {
    relay.publishCommitted(events);
    if (memory) for (const event of events) applyEvent(memory, event);
  });

  const transcriptKeys = await resolveTranscriptKeys(config);
  const chain = new TranscriptChain(transcriptKeys.signer);
  const trades = new TradeService(db, outbox, chain);
  const chat = new ChatService(db, trades, outbox, chain);
  const reads = new ChatReadService(db, trades, outbox);
  const audit = new DisputeAuditService(db);
  const transcripts = new TranscriptService(db, chain, transcriptKeys.publicKeys);
  // What the migration chained for trades that existed before it gets signed here, before the
  // first request (a write to such a trade would sign its backlog itself, under its row lock);
  // with the database not there yet, once it is, as the role must still start and listen.
  const stopSigning = new AbortController();
  const signingBacklogs = servesApi
    ? (await transcripts.startSigningBacklogs(logger.child({ component: 'transcripts' }), stopSigning.signal)).retrying
    : undefined;
  const notifications = new NotificationService(db, outbox);

  const consumers: Consumer[] = [];
  if (RUNS_NOTIFICATIONS.includes(config.role)) {
    consumers.push(
      await startNotificationWorker(bus, notifications, config.amqp.notificationQueue, logger.child({ component: 'notification-worker' }), metrics),
    );
  }
  const sync = memory ? new SyncService(db, trades, memory, config.sync) : undefined;
  if (memory) consumers.push(await startHeadFeed(bus, memory, config.sync.queue));
  const tokens = tokenRules(config);
  // The gateway needs the database too: it authorizes trade subscriptions through `trades`.
  const gateway = RUNS_GATEWAY.includes(config.role)
    ? await startGateway(config.gateway, { bus, trades, tokens, logger, metrics, apiInProcess: servesApi })
    : undefined;
  // A gateway writes nothing, so it has no outbox rows of its own to relay.
  if (config.role !== 'gateway') relay.start();

  const unavailable = new Unavailable(config.overload.retryAfterSeconds, metrics.unavailableResponses);
  if (servesApi) overload = new OverloadGuard(config.overload, unavailable);
  // One pipeline for Express and the lean sync path, so both log, set headers and shed alike.
  const pipeline = overload
    ? apiRequestPipeline({
        accessLog: { logger, production: config.production, slowRequestMs: config.logSlowRequestMs },
        corsOrigins: config.corsOrigins,
        gatewayUrls: config.publicGatewayUrls,
        shedReads: overload.step,
      })
    : [];
  const app = createHttpApp({
    logger,
    metrics,
    metricsAccess: { token: config.metricsToken, openWithoutToken: !config.production },
    pipeline,
    unavailable,
    readiness: [
      { name: 'database', check: async () => (await db.ping(), true) },
      { name: 'eventBus', check: async () => bus.isReady() },
      // Down while draining, so a load balancer stops sending new clients here.
      ...(gateway ? [{ name: 'gateway', check: async () => gateway.isAccepting() }] : []),
    ],
    api: overload
      ? {
          demo: !config.production,
          tokens,
          publicGatewayUrls: config.publicGatewayUrls,
          tradeOpenRateLimit: config.tradeOpenRateLimit,
          bodyLimitBytes: config.bodyLimitBytes,
          chatRateLimitPerMinute: config.chatRateLimitPerMinute,
          readRateLimitPerMinute: config.readRateLimitPerMinute,
          trades,
          chat,
          reads,
          audit,
          notifications,
          transcripts,
        }
      : undefined,
  });

  const handler =
    sync && overload
      ? withLeanSync(app, {
          sync,
          tokens,
          pipeline,
          overload,
          unavailable,
          metrics,
          logger,
          retryAfterSeconds: Math.ceil(config.sync.pollIntervalMs / 1000),
        })
      : app;

  return {
    role: config.role,
    app,
    handler,
    db,
    bus,
    relay,
    outbox,
    metrics,
    trades,
    chat,
    reads,
    notifications,
    transcripts,
    chain,
    sync,
    gateway,
    overload,
    unavailable,
    async close() {
      overload?.close();
      // Clients first, while the bus is still up, so they are told to fall back to polling.
      await gateway?.close();
      await Promise.all(consumers.map((c) => c.cancel().catch(() => {})));
      await relay.stop();
      stopSigning.abort();
      await signingBacklogs;
      await bus.close().catch(() => {});
      await db.close();
    },
  };
}
