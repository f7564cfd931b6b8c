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

export function isDatabaseUnavailable(err: unknown): boolean {
  // Prisma and its adapters wrap the driver's error a few levels deep: in `cause`, or for a
  // failed raw query (P2010) in `meta.driverAdapterError.cause`.
  const pending: unknown[] = [err];
  for (let seen = 0; pending.length > 0 && seen < 12; seen++) {
    const e = pending.shift();
    if (!e || typeof e !== 'object') continue;
    const like = e as ErrorLike;
    if (matches(like)) return true;
    pending.push(like.cause, like.meta, like.driverAdapterError);
  }
  return false;
}
