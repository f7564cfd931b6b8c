import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from 'pino';
import { ERROR_STATUS } from '../contract/error-codes.js';
import { DomainError } from '../domain/errors.js';
import { AuthError } from '../auth/jwt.js';
import { databaseOutage } from '../persistence/driver-errors.js';
import { ReadCapacityError } from '../persistence/read-gate.js';
import type { Unavailable } from './unavailable.js';

export function sendError(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

export const notFoundRoute: RequestHandler = (req, res) => sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);

export interface ErrorReply {
  status: number;
  error: string;
  message: string;
  /** Seconds, for a `Retry-After` header. */
  retryAfter?: number;
}

/**
 * Every failure becomes `{ error, message }` with its status; only real bugs are 500s (logged).
 * Shared by Express and the lean sync path, so both answer a failure alike.
 */
export function errorReply(err: unknown, logger: Logger, request: { method?: string; url?: string }, unavailable: Unavailable): ErrorReply {
  if (err instanceof DomainError) return { status: ERROR_STATUS[err.code], error: err.code, message: err.message };
  if (err instanceof AuthError) return { status: ERROR_STATUS.unauthorized, error: 'unauthorized', message: err.message };
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { status: 400, error: 'bad_request', message: `${where}${issue?.message ?? 'invalid input'}` };
  }
  // body-parser marks its own errors with `type` and `status`.
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return { status: ERROR_STATUS.payload_too_large, error: 'payload_too_large', message: 'request body is too large' };
  if (type === 'entity.parse.failed') return { status: 400, error: 'bad_request', message: 'request body is not valid JSON' };
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, error: 'bad_request', message: (err as Error).message };
  }
  // A request the database could not serve in time, or at all, may succeed when retried. Busy and
  // read-capacity 503s come in storms and are counted in /metrics; a log line each would add load.
  if (err instanceof ReadCapacityError) return unavailable.reply('read_capacity', 'too many reads are waiting for the database; retry shortly');
  const outage = databaseOutage(err);
  if (outage === 'busy') return unavailable.reply('database_busy', 'the database is busy; retry shortly');
  if (outage === 'unreachable') {
    logger.warn({ err: (err as Error).message, url: request.url }, 'database unavailable');
    return unavailable.reply('database_unreachable', 'the database is unavailable; retry shortly');
  }
  logger.error({ err, method: request.method, url: request.url }, 'request failed');
  return { status: ERROR_STATUS.internal, error: 'internal', message: 'internal server error' };
}

export function errorHandler(logger: Logger, unavailable: Unavailable): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const reply = errorReply(err, logger, { method: req.method, url: req.originalUrl }, unavailable);
    if (reply.retryAfter !== undefined) res.setHeader('Retry-After', String(reply.retryAfter));
    sendError(res, reply.status, reply.error, reply.message);
  };
}
