// A JWT: three base64url parts, the first two JSON objects ('{"' encodes as 'eyJ').
const JWT_RE = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g;
// Query or form parameters that carry credentials by name, whatever their value looks like.
const SECRET_PARAM_RE = /([?&;](?:access_token|token|jwt|auth|authorization|api_key|apikey|key|secret|password)=)[^&#\s]*/gi;

/** The text with every token-like value replaced: a URL, a header value, a log message. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PARAM_RE, '$1[redacted]').replace(JWT_RE, '[redacted]');
}
