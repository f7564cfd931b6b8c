import type { ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';

/**
 * Why the API answered 503, the `cause` label of `http_unavailable_responses_total`. The first
 * two are reads shed at the door (src/http/overload.ts), `long_poll_limit` a sync long poll past
 * SYNC_MAX_HELD; the others come from the database layer.
 */
export const UNAVAILABLE_CAUSES = [
  'overload_in_flight',
  'overload_event_loop',
  'long_poll_limit',
  'read_capacity',
  'database_busy',
  'database_unreachable',
] as const;
export type UnavailableCause = (typeof UNAVAILABLE_CAUSES)[number];

/** The `{error, message}` reply with its status and Retry-After (src/http/errors.ts's ErrorReply). */
export interface UnavailableReply {
  status: 503;
  error: 'unavailable';
  message: string;
  retryAfter: number;
}

/**
 * Every 503 of the API is made here: the contract's `{error, message}` with `Retry-After` in whole
 * seconds, counted by cause. `send` writes to a bare `ServerResponse`, so the pipeline's own steps
 * and a lean path outside Express answer exactly as the routes do.
 */
export class Unavailable {
  constructor(
    readonly retryAfterSeconds: number,
    private readonly responses: Counter<'cause'>,
  ) {}

  reply(cause: UnavailableCause, message: string, retryAfter = this.retryAfterSeconds): UnavailableReply {
    this.responses.inc({ cause });
    return { status: 503, error: 'unavailable', message, retryAfter };
  }

  send(res: ServerResponse, cause: UnavailableCause, message: string): void {
    const { status, error, retryAfter } = this.reply(cause, message);
    res.statusCode = status;
    res.setHeader('Retry-After', String(retryAfter));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error, message }));
  }
}
