import express, { type Express } from 'express';
import { rateLimit } from 'express-rate-limit';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { TradeService } from '../domain/trade-service.js';
import type { ChatService } from '../domain/chat-service.js';
import type { NotificationService } from '../domain/notification-service.js';
import { actorOf, requireAuth } from './authenticate.js';
import { errorHandler, notFoundRoute, sendError } from './errors.js';
import { opsRoutes, type ReadinessCheck } from './ops-routes.js';
import { tradeRoutes } from './routes/trade-routes.js';
import { notificationRoutes } from './routes/notification-routes.js';
import { CLIENT_DIST_DIR, demoRoutes } from './demo-routes.js';
import { apiRequestPipeline } from './request-pipeline.js';
import { apiDocsRoutes } from './api-docs/routes.js';
import type { Unavailable } from './unavailable.js';
import type { OverloadGuard } from './overload.js';

export interface HttpAppOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck[];
  corsOrigins: string[];
  /** How every 503 is answered and counted. */
  unavailable: Unavailable;
  /** Absent for roles that serve only the operational endpoints (notification, gateway). */
  api?: {
    /** Demo mode (`npm start`): the demo page may log anyone in. Never in production. */
    demo: boolean;
    jwtSecret: string;
    bodyLimitBytes: number;
    chatRateLimitPerMinute: number;
    overload: OverloadGuard;
    trades: TradeService;
    chat: ChatService;
    notifications: NotificationService;
  };
}

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger: options.logger,
      autoLogging: { ignore: (req) => req.url === '/metrics' },
      // The demo page polls: at info its successful requests would bury the start banner.
      ...(options.api?.demo ? { customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug') } : {}),
    }),
  );
  app.use((req, res, next) => {
    const end = options.metrics.httpRequests.startTimer({ method: req.method });
    // Label by route pattern, not raw URL, so ids do not explode the series count.
    res.on('finish', () => end({ route: req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(opsRoutes(options.readiness, options.metrics.registry));

  const { api } = options;
  if (api) {
    app.use(...apiRequestPipeline({ corsOrigins: options.corsOrigins, shedReads: api.overload.step }));
    app.use(apiDocsRoutes());
    const sendRateLimit = rateLimit({
      windowMs: 60_000,
      limit: api.chatRateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (_req, res) => actorOf(res).userId,
      handler: (_req, res) => sendError(res, 429, 'rate_limited', 'too many chat messages; slow down'),
    });
    const router = express.Router();
    router.use(express.json({ limit: api.bodyLimitBytes, strict: true }));
    router.use(requireAuth(api.jwtSecret));
    router.use(tradeRoutes(api.trades, api.chat, sendRateLimit));
    router.use(notificationRoutes(api.notifications));
    // The contract's paths, and the plan's client's paths.
    app.use('/p2p', router);
    app.use('/api/p2p', router);
    app.use(demoRoutes({ demo: api.demo, jwtSecret: api.jwtSecret, staticDir: CLIENT_DIST_DIR }));
  }

  app.use(notFoundRoute);
  app.use(errorHandler(options.logger, options.unavailable));
  return app;
}
