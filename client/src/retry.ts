import type { Clock } from './clock.js';
import { jittered } from './pacing.js';
import { ApiError } from './rest-api.js';

export interface RetryOptions {
  clock: Clock;
  random: () => number;
  /** Tries in all, the first included. */
  attempts: number;
  /** An attempt not answered by then is abandoned (aborted) and counts as failed. */
  timeoutMs: number;
  /** The delay before the second try, doubled for each one after it, unless the server says `Retry-After`. */
  baseDelayMs: number;
}

/** Worth trying again: not reached, timed out, or the server asked for a later try. */
export function retryable(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status === 502 || err.status === 503 || err.status === 504);
}

/**
 * Runs `call` until it succeeds, fails for good, or runs out of tries. Only for calls that are
 * safe to repeat: a chat send carries its `clientMessageId`, so a retry cannot store it twice.
 */
export async function withRetries<T>(call: (signal: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const cancelTimeout = options.clock.schedule(() => controller.abort(), options.timeoutMs);
    try {
      return await call(controller.signal);
    } catch (err) {
      if (attempt >= options.attempts || !retryable(err)) throw err;
      const delay = err.retryAfterMs ?? jittered(options.baseDelayMs * 2 ** (attempt - 1), options.random);
      await new Promise<void>((resolve) => options.clock.schedule(resolve, delay));
    } finally {
      cancelTimeout();
    }
  }
}

/** A `clientMessageId`: random, and within the contract's 1..64 of [A-Za-z0-9_-]. */
export function newClientMessageId(): string {
  // randomUUID exists only in secure contexts; a plain-http page still has getRandomValues.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
