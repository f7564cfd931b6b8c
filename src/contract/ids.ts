// The id formats that appear in REST paths and STOMP destinations. No dependencies.

/** User ids appear in destinations such as /topic/users/{id}/trades, so no '/' or spaces. */
export const USER_ID_RE = /^[A-Za-z0-9_.@:-]{1,128}$/;
export const USER_ID_RULE = 'must be a user id (letters, digits, _ . @ : -; at most 128)';

/**
 * `clientMessageId` of a chat send: the sender's key for one send, so a retry returns the stored
 * message instead of storing it twice (docs/overload.md). A UUID fits.
 */
export const CLIENT_MESSAGE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const CLIENT_MESSAGE_ID_RULE = 'must be 1..64 characters of A-Z a-z 0-9 _ -';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Trades and notifications have UUID ids; the API hands them out in lower case. */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

export function isUserId(value: string): boolean {
  return USER_ID_RE.test(value);
}
