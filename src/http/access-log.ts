import type { Logger } from 'pino';
import type { PipelineStep } from './pipeline-step.js';

export interface AccessLogOptions {
  logger: Logger;
  /** Production: a 4xx is the client's business (a flood of them must not flood the log). */
  production: boolean;
  /** LOG_SLOW_REQUEST_MS: a request at least this slow is logged at warn. */
  slowRequestMs: number;
}

/**
 * One line per request worth reading: a failure (5xx) at error, a slow request at warn, and in
 * demo mode a refused one (4xx) at warn, which helps whoever is trying the API; everything else
 * at debug. Polls are most of the traffic and their latency is in /metrics
 * (http_request_duration_seconds): a line each cost more than answering them, and in demo mode
 * would bury the start banner. A 503 with Retry-After is deliberate shedding, counted by cause
 * in the metrics, so it stays at debug too. Only method, URL (tokens redacted by the logger),
 * status and time: no headers.
 */
export function accessLog(options: AccessLogOptions): PipelineStep {
  const { logger, slowRequestMs, production } = options;
  return (req, res, next) => {
    const start = performance.now();
    // Read now: routers rewrite req.url while they handle the request.
    const { method, url } = req;
    res.once('finish', () => {
      const ms = performance.now() - start;
      const status = res.statusCode;
      const level = status >= 500 && status !== 503 ? 'error' : ms >= slowRequestMs ? 'warn' : status >= 400 && !production ? 'warn' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        { req: { method, url, remoteAddress: req.socket.remoteAddress }, res: { statusCode: status }, responseTimeMs: Math.round(ms) },
        level === 'warn' && ms >= slowRequestMs ? 'slow request' : 'request completed',
      );
    });
    next();
  };
}
