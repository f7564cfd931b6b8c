import { statusOfErrorCode } from '../../src/contract/error-codes.js';
import { ApiError } from './rest-api.js';
import type { MessageHeaders, StompLink } from './stomp-link.js';

/** An `/user/queue/errors` body `{error, message}` as the ApiError its REST twin would throw. */
export function userErrorOf(body: string): ApiError {
  let parsed: { error?: unknown; message?: unknown } = {};
  try {
    parsed = (JSON.parse(body) as typeof parsed | null) ?? {};
  } catch {
    // Still a refusal: the receipt-id says which frame it was.
  }
  const code = typeof parsed.error === 'string' ? parsed.error : 'bad_request';
  const message = typeof parsed.message === 'string' ? parsed.message : 'the server refused the frame';
  // The REST twin's status (src/contract/error-codes.ts), so a refused SEND is retried, or not, as its REST request would be.
  return new ApiError(statusOfErrorCode(code), code, message);
}

/**
 * SENDs on one link that settle as Spring's `@SendToUser` convention has it: the RECEIPT when
 * the server is done with the frame, or a user error on `/user/queue/errors` carrying the
 * frame's receipt as `receipt-id`. The link must be subscribed to that queue (`onUserError`),
 * or the server answers a refusal with ERROR and closes the connection.
 */
export class ReceiptedSends {
  #count = 0;

  constructor(private readonly link: StompLink) {}

  /** A MESSAGE on `/user/queue/errors`: settles the SEND it names, even one no longer waited on here. */
  onUserError(body: string, headers: MessageHeaders): void {
    const receipt = headers['receipt-id'];
    if (receipt !== undefined) this.link.refused(receipt, userErrorOf(body));
  }

  /** A SEND without a receipt, for frames nobody waits on (typing): a refusal of it is not reported. */
  post(destination: string, payload: object): void {
    this.link.send(destination, JSON.stringify(payload)).catch(() => undefined);
  }

  /**
   * Resolves on the RECEIPT. Rejects with the server's user error, with ApiError status 0 when
   * the link ends first or `signal` aborts (the frame may or may not have been carried out).
   */
  async send(destination: string, payload: object, signal?: AbortSignal): Promise<void> {
    const receipt = `send-${++this.#count}`;
    let cancel = () => {};
    const aborted = new Promise<never>((_, reject) => {
      const abort = () => reject(new ApiError(0, 'aborted', 'no RECEIPT in time'));
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort);
      cancel = () => signal?.removeEventListener('abort', abort);
    });
    const answered = this.link.send(destination, JSON.stringify(payload), receipt).catch((err: unknown) => {
      if (err instanceof ApiError) throw err;
      throw new ApiError(0, 'unreachable', err instanceof Error ? err.message : 'the connection ended');
    });
    try {
      await Promise.race([answered, aborted]);
    } finally {
      cancel();
    }
  }
}
