import type { ErrorCode } from '../../contract/error-codes.js';

/**
 * A SEND refused for a reason the user can act on. `code` is the REST error code for the same
 * refusal (bad_request, forbidden, not_found, rate_limited, payload_too_large, unavailable, …), so
 * a client handles both alike.
 */
export class AppUserError extends Error {
  override readonly name = 'AppUserError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
