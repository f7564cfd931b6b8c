import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { actorOf } from './authenticate.js';
import { sendError } from './errors.js';

// Counted in this process's memory: with N api processes behind a balancer a user gets up to
// N times each limit (docs/security.md says so). Keys are the authenticated user, never the
// address, so one user's traffic cannot use up another's allowance.
function perMinute(limit: number, key: (req: Request, userId: string) => string, message: string): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => key(req, actorOf(res).userId),
    handler: (_req, res) => sendError(res, 429, 'rate_limited', message),
  });
}

export function chatSendRateLimit(perMinuteLimit: number): RequestHandler {
  return perMinute(perMinuteLimit, (_req, userId) => userId, 'too many chat messages; slow down');
}

/** Each read receipt is a transaction (the seq row, an outbox event when it moved). */
export function readRateLimit(perMinuteLimit: number): RequestHandler {
  return perMinute(perMinuteLimit, (_req, userId) => userId, 'too many read receipts; slow down');
}

export interface TradeOpenLimits {
  perOpenerPerMinute: number;
  perPairPerMinute: number;
}

/**
 * Opening a trade notifies its seller, so it is limited per opener and per (opener, seller)
 * pair. Both keys start with the opener: a user spends only their own allowance and can never
 * keep a seller from trades with anyone else.
 */
export function tradeOpenRateLimits(limits: TradeOpenLimits): RequestHandler[] {
  return [
    perMinute(limits.perOpenerPerMinute, (_req, userId) => userId, 'too many trades opened; try again in a minute'),
    perMinute(
      limits.perPairPerMinute,
      (req, userId) => `${userId}\n${String((req.body as { sellerId?: unknown } | undefined)?.sellerId)}`,
      'too many trades opened with this seller; try again in a minute',
    ),
  ];
}
