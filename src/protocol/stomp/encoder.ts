import { escapeHeaderText, headerEscaping, type HeaderEscaping } from './escape.js';
import { isStompCommand, type StompVersion } from './frame.js';

export interface OutgoingFrame {
  command: string;
  headers: Readonly<Record<string, string>>;
  body?: Buffer | string;
}

export const HEARTBEAT_EOL: Buffer = Buffer.from('\n');

const NUL = Buffer.alloc(1);
const EMPTY = Buffer.alloc(0);

/**
 * Throws RangeError for text the frame's escaping cannot carry (a line break when nothing is
 * escaped, CR in 1.1, a colon in an unescaped name): writing it anyway would let the reader see
 * different, possibly injected, headers.
 */
function headerLine(name: string, value: string, escaping: HeaderEscaping): string {
  const wireName = escapeHeaderText(name, escaping);
  const wireValue = escapeHeaderText(value, escaping);
  if (wireName === '' || wireName.includes(':') || /[\r\n]/.test(wireName + wireValue)) {
    throw new RangeError(`header ${JSON.stringify(name)} cannot be encoded with escaping '${escaping}'`);
  }
  return `${wireName}:${wireValue}\n`;
}

export function encodeHeaderLine(name: string, value: string, version: StompVersion): Buffer {
  return Buffer.from(headerLine(name, value, headerEscaping('MESSAGE', version)));
}

/**
 * content-length is always derived from the body, whatever the caller passed: a wrong value
 * would desynchronise the reader's framing for every later frame.
 */
export function encodeFrame(frame: OutgoingFrame, version: StompVersion): Buffer {
  const { command, headers } = frame;
  if (!isStompCommand(command)) throw new RangeError(`unknown STOMP command ${JSON.stringify(command)}`);
  const escaping = headerEscaping(command, version);
  const body = typeof frame.body === 'string' ? Buffer.from(frame.body) : (frame.body ?? EMPTY);

  let head = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'content-length') head += headerLine(name, value, escaping);
  }
  if (body.length > 0 || Object.hasOwn(headers, 'content-length')) head += `content-length:${body.length}\n`;
  return Buffer.concat([Buffer.from(`${head}\n`), body, NUL]);
}

/**
 * Splits a MESSAGE around its only per-subscriber header, so fan-out encodes the shared
 * part once: frame = concat([head, encodeHeaderLine('subscription', id, version), tail]).
 */
export function encodeMessageParts(
  destination: string,
  messageId: string,
  contentType: string,
  body: Buffer,
  version: StompVersion,
): { head: Buffer; tail: Buffer } {
  const escaping = headerEscaping('MESSAGE', version);
  let head = 'MESSAGE\n' + headerLine('destination', destination, escaping) + headerLine('message-id', messageId, escaping);
  if (contentType !== '') head += headerLine('content-type', contentType, escaping);
  return {
    head: Buffer.from(head),
    tail: Buffer.concat([Buffer.from(`content-length:${body.length}\n\n`), body, NUL]),
  };
}
