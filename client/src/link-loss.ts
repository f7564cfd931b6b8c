import { CLOSE_CODES, retryAfterMsOf } from '../../src/contract/close-codes.js';
import type { LinkLoss } from './stomp-link.js';

/** What to do after a link ended. */
export type LossAction =
  /** The gateway is draining: come back after its advisory delay, as a matter of course. */
  | { kind: 'drain'; delayMs: number }
  /** The session outlived its token: get a new one, then reconnect at once. */
  | { kind: 'token-expired' }
  /** CONNECT was refused for its credentials: another try with them cannot succeed. */
  | { kind: 'auth-refused' }
  /** The gateway answered but was too slow (CONNECTED or a RECEIPT late): reconnect, without a longer backoff. */
  | { kind: 'slow' }
  /** Anything else: reconnect with backoff. */
  | { kind: 'failure' };

export function classifyLoss(loss: LinkLoss): LossAction {
  if (loss.code === CLOSE_CODES.drain) return { kind: 'drain', delayMs: retryAfterMsOf(loss.closeReason ?? '') ?? 0 };
  if (!loss.connected && refusedCredentials(loss)) return { kind: 'auth-refused' };
  if (loss.code === CLOSE_CODES.tokenExpired) return { kind: 'token-expired' };
  if (loss.slow) return { kind: 'slow' };
  return { kind: 'failure' };
}

// The gateway refuses a CONNECT's token with ERROR "authentication failed: …" and close
// (policy, 'auth'); an expired one may also get the token-expiry code.
function refusedCredentials(loss: LinkLoss): boolean {
  if (loss.code === CLOSE_CODES.tokenExpired) return true;
  return loss.code === CLOSE_CODES.policy && (loss.closeReason === 'auth' || /^authentication failed/i.test(loss.errorMessage ?? ''));
}
