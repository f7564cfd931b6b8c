import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { AuthError } from '../auth/jwt.js';
import { isDatabaseUnavailable } from '../persistence/driver-errors.js';

const DOMAIN_STATUS: Record<DomainError['code'], number> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
};

export function sendError(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

export const notFoundRoute: RequestHandler = (req, res) =>
  sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);

/** Every failure becomes `{ error, message }` with its status; only real bugs are 500s. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof DomainError) return sendError(res, DOMAIN_STATUS[err.code], err.code, err.message);
    if (err instanceof AuthError) return sendError(res, 401, 'unauthorized', err.message);
    if (err instanceof ZodError) {
      const issue = err.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      return sendError(res, 400, 'bad_request', `${where}${issue?.message ?? 'invalid input'}`);
    }
    // body-parser marks its own errors with `type` and `status`.
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return sendError(res, 413, 'payload_too_large', 'request body is too large');
    if (type === 'entity.parse.failed') return sendError(res, 400, 'bad_request', 'request body is not valid JSON');
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendError(res, status, 'bad_request', (err as Error).message);
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn({ err: (err as Error).message, url: req.originalUrl }, 'database unavailable');
      res.setHeader('Retry-After', '1');
      return sendError(res, 503, 'unavailable', 'the database connection was lost; retry shortly');
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    sendError(res, 500, 'internal', 'internal server error');
  };
}
