import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { TradeService } from '../domain/trade-service.js';
import type { ChatService } from '../domain/chat-service.js';
import type { ChatReadService } from '../domain/chat-reads.js';
import type { DisputeAuditService } from '../domain/dispute-audit.js';
import type { NotificationService } from '../domain/notification-service.js';
import type { TokenRules } from '../auth/jwt.js';
import { requireAuth } from './authenticate.js';
import { errorHandler, notFoundRoute } from './errors.js';
import { opsRoutes, type MetricsAccess, type ReadinessCheck } from './ops-routes.js';
import { tradeRoutes } from './routes/trade-routes.js';
import { notificationRoutes } from './routes/notification-routes.js';
import { transcriptKeysRoute, transcriptRoutes } from './routes/transcript-routes.js';
import type { TranscriptService } from '../domain/transcript-service.js';
import { CLIENT_DIST_DIR } from '../config/client-dist.js';
import { demoRoutes } from './demo-routes.js';
import type { PipelineStep } from './request-pipeline.js';
import { apiDocsRoutes } from './api-docs/routes.js';
import { chatSendRateLimit, readRateLimit, tradeOpenRateLimits, type TradeOpenLimits } from './rate-limits.js';
import type { Unavailable } from './unavailable.js';

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  /** METRICS_TOKEN, and whether /metrics may go without one (demo mode only). */
  metricsAccess: MetricsAccess;
  /** apiRequestPipeline(...): built once, the same steps as the lean sync path's. */
  pipeline: PipelineStep[];
  /** How every 503 is answered and counted. */
  unavailable: Unavailable;
  /** Absent for roles that serve only the operational endpoints (notification, gateway). */
  api?: {
    /** Demo mode (`npm start`): the demo page may log anyone in. Never in production. */
    demo: boolean;
    tokens: TokenRules;
    /** PUBLIC_GATEWAY_URLS: served to the page, and allowed by its CSP. */
    publicGatewayUrls: string[];
    bodyLimitBytes: number;
    chatRateLimitPerMinute: number;
    readRateLimitPerMinute: number;
    tradeOpenRateLimit: TradeOpenLimits;
    trades: TradeService;
    chat: ChatService;
    reads: ChatReadService;
    audit: DisputeAuditService;
    notifications: NotificationService;
    transcripts: TranscriptService;
  };
}

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const end = options.metrics.httpRequests.startTimer({ method: req.method });
    // Label by route pattern, not raw URL, so ids do not explode the series count.
    res.on('finish', () => end({ route: req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(opsRoutes(options.readiness, options.metrics.registry, options.metricsAccess));

  const { api } = options;
  if (api) {
    app.use(...options.pipeline);
    app.use(apiDocsRoutes());
    const limits = {
      send: chatSendRateLimit(api.chatRateLimitPerMinute),
      read: readRateLimit(api.readRateLimitPerMinute),
      open: tradeOpenRateLimits(api.tradeOpenRateLimit),
    };
    const router = express.Router();
    router.use(express.json({ limit: api.bodyLimitBytes, strict: true }));
    router.use(transcriptKeysRoute(api.transcripts));
    router.use(requireAuth(api.tokens));
    router.use(tradeRoutes(api.trades, api.chat, api.reads, api.audit, limits));
    router.use(notificationRoutes(api.notifications));
    router.use(transcriptRoutes(api.transcripts));
    // The contract's paths, and the plan's client's paths.
    app.use('/p2p', router);
    app.use('/api/p2p', router);
    app.use(demoRoutes({ demo: api.demo, tokens: api.tokens, staticDir: CLIENT_DIST_DIR, page: { gatewayUrls: api.publicGatewayUrls } }));
  }

  app.use(notFoundRoute);
  app.use(errorHandler(options.logger, options.unavailable));
  return app;
}
