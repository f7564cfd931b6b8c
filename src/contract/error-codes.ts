// The `error` codes of the contract's `{error, message}` answers (docs/contract.md, "REST"), with
// the HTTP status each goes with. A refused SEND's user error on /user/queue/errors carries the
// code its REST twin would, so the client library turns both into the same ApiError status and
// retries, or does not, alike. No dependencies.

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  /** A state change the trade's status or a repeated clientMessageId does not allow. */
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  /** A bug, logged; never a dependency's failure. */
  internal: 500,
  /** A dependency down or busy, or a read shed: comes with `Retry-After`. */
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Whether a code from the wire is one of ours: an own key, so an inherited name such as `toString` is not. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/** The status for a code from the wire; an unknown code is a refusal, so 400: the same request would be refused again. */
export function statusOfErrorCode(code: string): number {
  return isErrorCode(code) ? ERROR_STATUS[code] : ERROR_STATUS.bad_request;
}
