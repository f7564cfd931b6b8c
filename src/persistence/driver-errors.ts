// Reading database errors, whichever adapter (pg or PGlite) and whichever Prisma path (model
// query, raw query, interactive transaction) reported them.

// Errors that mean "the database could not be reached or dropped the connection", as opposed
// to a bug or a refused statement: the request may simply be retried, so the API answers 503.
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]$|53300$)/; // connection exception, shutdown, too many connections
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_KINDS = new Set(['TlsConnectionError', 'SocketTimeout', 'ConnectionClosed', 'TooManyConnections', 'DatabaseNotReachable']);
const UNAVAILABLE_MESSAGES = /not queryable|Connection terminated|timeout exceeded when trying to connect|ECONNREFUSED|ECONNRESET|Can't reach database server/i;

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: unknown;
  driverAdapterError?: unknown;
}

function matches({ code, kind, message }: ErrorLike): boolean {
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_PRISMA_CODES.has(code))) return true;
  if (typeof kind === 'string' && UNAVAILABLE_KINDS.has(kind)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
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

export function isDatabaseUnavailable(err: unknown): boolean {
  return anyCause(err, matches);
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
