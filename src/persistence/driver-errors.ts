// Reading database errors, whichever adapter (pg or PGlite) and whichever Prisma path (model
// query, raw query, interactive transaction) reported them.

// Errors after which the request may simply be retried, so the API answers 503 rather than 500:
// the database is busy (no connection or transaction slot in time; it is reachable but saturated)
// or unreachable (it could not be reached or dropped the connection). Anything else is a bug or a
// refused statement.
const BUSY_SQLSTATE = new Set(['53300']); // too many connections
const BUSY_PRISMA_CODES = new Set(['P2024']); // timed out fetching a connection from the pool
// P2028 is every interactive-transaction error; only these two mean "not in time", the rest are bugs.
const TRANSACTION_TIMEOUT = /Unable to start a transaction in the given time|cannot be executed on an expired transaction/i;
const BUSY_KINDS = new Set(['TooManyConnections']);
// pg-pool's message when no connection became free within connectionTimeoutMillis.
const BUSY_MESSAGES = /timeout exceeded when trying to connect/i;

const UNREACHABLE_SQLSTATE = /^(08|57P0[1-3]$)/; // connection exception, shutdown
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
const UNREACHABLE_KINDS = new Set(['TlsConnectionError', 'SocketTimeout', 'ConnectionClosed', 'DatabaseNotReachable']);
const UNREACHABLE_MESSAGES = /not queryable|Connection terminated|ECONNREFUSED|ECONNRESET|Can't reach database server/i;

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: unknown;
  driverAdapterError?: unknown;
}

function busy({ code, kind, message }: ErrorLike): boolean {
  if (typeof code === 'string' && (BUSY_SQLSTATE.has(code) || BUSY_PRISMA_CODES.has(code))) return true;
  if (code === 'P2028' && typeof message === 'string' && TRANSACTION_TIMEOUT.test(message)) return true;
  if (typeof kind === 'string' && BUSY_KINDS.has(kind)) return true;
  return typeof message === 'string' && BUSY_MESSAGES.test(message);
}

function unreachable({ code, kind, message }: ErrorLike): boolean {
  if (typeof code === 'string' && (UNREACHABLE_SQLSTATE.test(code) || UNREACHABLE_PRISMA_CODES.has(code))) return true;
  if (typeof kind === 'string' && UNREACHABLE_KINDS.has(kind)) return true;
  return typeof message === 'string' && UNREACHABLE_MESSAGES.test(message);
}

/**
 * Whether the error, or one it wraps, satisfies `test`. Prisma and its adapters wrap the
 * driver's error a few levels deep: in `cause`, or in `meta.driverAdapterError.cause`.
 */
function anyCause(err: unknown, test: (e: ErrorLike) => boolean): boolean {
  const pending: unknown[] = [err];
  for (let seen = 0; pending.length > 0 && seen < 12; seen++) {
    const e = pending.shift();
    if (!e || typeof e !== 'object') continue;
    const like = e as ErrorLike;
    if (test(like)) return true;
    pending.push(like.cause, like.meta, like.driverAdapterError);
  }
  return false;
}

export type DatabaseOutage = 'busy' | 'unreachable';

/** Why the database could not serve the request when a retry may succeed; undefined otherwise. */
export function databaseOutage(err: unknown): DatabaseOutage | undefined {
  if (anyCause(err, busy)) return 'busy';
  if (anyCause(err, unreachable)) return 'unreachable';
  return undefined;
}

/**
 * Whether the error is a violation of the unique constraint named `constraint`. By name, from
 * the driver's own message: adapter-pg's error becomes Prisma's P2002, PGlite's adapter passes
 * on SQLSTATE 23505 as it is, and P2002 alone does not say which of a table's keys was hit.
 */
export function violatesUnique(err: unknown, constraint: string): boolean {
  const named = `unique constraint "${constraint}"`;
  return anyCause(err, (e) => {
    const like = e as ErrorLike & { originalMessage?: unknown };
    return [like.message, like.originalMessage].some((m) => typeof m === 'string' && m.includes(named));
  });
}
