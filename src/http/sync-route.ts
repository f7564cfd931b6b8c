import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { authenticate, type TokenRules } from '../auth/jwt.js';
import { SYNC_PATHS } from '../contract/sync.js';
import type { Metrics } from '../observability/metrics.js';
import type { SyncService } from '../sync/sync-service.js';
import { errorReply, type ErrorReply } from './errors.js';
import type { PipelineStep } from './request-pipeline.js';
import type { OverloadGuard } from './overload.js';
import type { Unavailable } from './unavailable.js';
import { parseSyncQuery } from './sync-query.js';

export interface SyncRouteOptions {
  sync: SyncService;
  /** The rules every entry point verifies tokens with (src/auth/jwt.ts). */
  tokens: TokenRules;
  /** The same steps Express runs for every API route (apiRequestPipeline). */
  pipeline: PipelineStep[];
  /** Its `step` is in `pipeline`; a long poll leaves its in-flight count while held. */
  overload: OverloadGuard;
  unavailable: Unavailable;
  metrics: Metrics;
  logger: Logger;
  /** Told to clients refused because too many long polls are held. */
  retryAfterSeconds: number;
}

const PATHS: ReadonlySet<string> = new Set(SYNC_PATHS);

/**
 * `GET /p2p/sync` on node:http in front of Express: a poll is the api's most frequent request and
 * Express's per-request work is most of an empty one's cost. It runs the API request pipeline
 * (CORS, security headers, limits) and the same authentication and error replies as Express;
 * everything else, and other methods on this path, go on to `app`.
 */
export function withLeanSync(app: RequestListener, options: SyncRouteOptions): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method !== 'GET' || !PATHS.has(path)) return app(req, res);
    const end = options.metrics.httpRequests.startTimer({ method: 'GET' });
    res.on('finish', () => end({ route: path, status: res.statusCode }));
    runPipeline(options.pipeline, req, res, (err) => {
      if (err !== undefined) return sendReply(res, errorReplyFor(err, req, options));
      void serve(req, res, q < 0 ? '' : url.slice(q + 1), options);
    });
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, search: string, options: SyncRouteOptions): Promise<void> {
  try {
    const actor = authenticate(req.headers.authorization, options.tokens);
    const request = parseSyncQuery(search);
    // A held long poll mostly waits, which costs nothing: it is bounded by SYNC_MAX_HELD instead
    // of the in-flight limit, for its whole life (its reads still pass the database read gate).
    // One answered as a plain poll (past its user's share) stays counted like one.
    const hold = () => options.overload.hold(req);
    const response = await options.sync.sync(actor, request, request.waitMs > 0 ? departure(res) : NEVER, hold);
    if (!response) {
      const message = 'too many long polls are held by this server; retry shortly';
      return sendReply(res, options.unavailable.reply('long_poll_limit', message, options.retryAfterSeconds));
    }
    sendJson(res, 200, response);
  } catch (err) {
    sendReply(res, errorReplyFor(err, req, options));
  }
}

const NEVER = new AbortController().signal;

/** Aborts when the client leaves before its answer: a held long poll then frees its slot. */
function departure(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

function errorReplyFor(err: unknown, req: IncomingMessage, options: SyncRouteOptions) {
  return errorReply(err, options.logger, { method: req.method, url: req.url }, options.unavailable);
}

/** Connect-style: each step calls next() to go on, next(err) to fail, or answers by itself. */
function runPipeline(steps: PipelineStep[], req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void): void {
  let i = 0;
  const next = (err?: unknown): void => {
    if (err !== undefined) return done(err);
    const step = steps[i++];
    if (!step) return done();
    try {
      step(req, res, next);
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

function sendReply(res: ServerResponse, reply: ErrorReply): void {
  if (reply.retryAfter !== undefined) res.setHeader('Retry-After', String(reply.retryAfter));
  sendJson(res, reply.status, { error: reply.error, message: reply.message });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
