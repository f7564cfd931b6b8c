/**
 * A JWT's `exp` in ms since the epoch, read without verifying the token (the server does that;
 * the client only needs to know when to ask for a new one). undefined: no readable `exp`.
 */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const exp: unknown = (JSON.parse(atob(base64)) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

// A tenth of the token's remaining life, at most a minute: a 12 h token is renewed a minute
// early, a short test token still well before the gateway's sweep ends its session.
const MAX_LEAD_MS = 60_000;

/** How long from `now` until a session on a token expiring at `expiresAt` should move to a new one. */
export function refreshDelay(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  return Math.max(0, remaining - Math.min(MAX_LEAD_MS, remaining / 10));
}
