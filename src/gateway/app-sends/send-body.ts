import { AppUserError } from './app-user-error.js';

// stompjs 2, Spring's send() and @stomp/stompjs publish() often send no content-type; text/plain
// is what some clients label a JSON string with.
const ACCEPTED_TYPES = new Set(['application/json', 'text/plain']);
const UTF8 = new Set(['utf-8', 'utf8']);

/**
 * A SEND body as a handler receives it (AppSend.body): checked as REST's JSON body parser
 * checks a request, with the same limit and error codes. Throws AppUserError.
 */
export function decodeSendBody(contentType: string | undefined, body: Buffer, limitBytes: number): unknown {
  if (contentType !== undefined) checkContentType(contentType);
  if (body.length > limitBytes) throw new AppUserError('payload_too_large', `the body is larger than ${limitBytes} bytes`);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppUserError('bad_request', 'the body is not valid JSON');
  }
}

function checkContentType(contentType: string): void {
  const [type, ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (!ACCEPTED_TYPES.has(type!)) throw new AppUserError('bad_request', 'content-type must be application/json, text/plain or absent');
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (name === 'charset' && !UTF8.has(value ?? '')) throw new AppUserError('bad_request', 'the body must be UTF-8');
  }
}
