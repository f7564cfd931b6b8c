import type { Logger } from 'pino';
import type { PipelineStep } from './request-pipeline.js';

export interface AccessLogOptions {
  logger: Logger;
  /** Production: ordinary requests are logged at debug, so at info only failures and slow ones. */
  production: boolean;
  /** LOG_SLOW_REQUEST_MS: a request at least this slow is logged at warn. */
  slowRequestMs: number;
}

/**
 * One line per request worth reading: a 5xx at error, a slow request at warn, any other at
 * info in demo mode and at debug in production. Polls are most of the traffic and their latency
 * is in /metrics (http_request_duration_seconds); a line each cost more than answering them.
 * Only method, URL (tokens redacted by the logger), status and time: no headers.
 */
export function accessLog(options: AccessLogOptions): PipelineStep {
  const { logger, slowRequestMs } = options;
  const ordinary = options.production ? 'debug' : 'info';
  return (req, res, next) => {
    const start = performance.now();
    // Read now: routers rewrite req.url while they handle the request.
    const { method, url } = req;
    res.once('finish', () => {
      const ms = performance.now() - start;
      const level = res.statusCode >= 500 ? 'error' : ms >= slowRequestMs ? 'warn' : ordinary;
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({ req: { method, url, remoteAddress: req.socket.remoteAddress }, res: { statusCode: res.statusCode }, responseTimeMs: Math.round(ms) }, level === 'warn' ? 'slow request' : 'request completed');
    });
    next();
  };
}
