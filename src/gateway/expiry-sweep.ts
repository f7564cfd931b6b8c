/** What the sweep needs of a session (StompSession). */
export interface Expirable {
  expireIfBefore(cutoffMs: number): void;
}

const SWEEP_PERIOD_MS = 1_000;

/**
 * Ends sessions whose token has expired, `leewayMs` after its `exp` (clock skew between the
 * token's issuer and this host). One timer for the whole gateway walking its open sessions: a
 * timer per session would cost every idle connection a Timeout and its closure (see
 * heartbeats.ts); this costs a number field per session and a second of extra life at most.
 * Returns the function that stops it.
 */
export function startExpirySweep(sessions: () => Iterable<Expirable>, leewayMs: number): () => void {
  const timer = setInterval(() => {
    const cutoff = Date.now() - leewayMs;
    for (const session of sessions()) session.expireIfBefore(cutoff);
  }, SWEEP_PERIOD_MS);
  timer.unref();
  return () => clearInterval(timer);
}
