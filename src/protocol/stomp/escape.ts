import type { StompVersion } from './frame.js';

/** How header names and values of one frame are escaped on the wire. */
export type HeaderEscaping = 'none' | '1.1' | '1.2';

// The spec keeps CONNECT/CONNECTED unescaped so that peers can read them before a version is
// agreed; STOMP is the 1.2 alias of CONNECT and travels at the same moment.
const UNESCAPED_COMMANDS: ReadonlySet<string> = new Set(['CONNECT', 'STOMP', 'CONNECTED']);

export function headerEscaping(command: string, version: StompVersion): HeaderEscaping {
  return version === '1.0' || UNESCAPED_COMMANDS.has(command) ? 'none' : version;
}

const SPECIAL_1_1 = /[\\\n:]/g;
// STOMP 1.1 has no escape for CR; 1.2 added one because it allows CRLF line endings.
const SPECIAL_1_2 = /[\\\n\r:]/g;

function escapeChar(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case ':':
      return '\\c';
    default:
      return '\\\\';
  }
}

export function escapeHeaderText(text: string, escaping: HeaderEscaping): string {
  if (escaping === 'none') return text;
  return text.replace(escaping === '1.1' ? SPECIAL_1_1 : SPECIAL_1_2, escapeChar);
}

// `\r` is accepted for 1.1 too: @stomp/stompjs writes it whenever it escapes, whatever the version.
const UNESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\'],
  ['n', '\n'],
  ['r', '\r'],
  ['c', ':'],
]);

/** Returns undefined for an undefined escape sequence, which the spec makes a fatal error. */
export function unescapeHeaderText(text: string): string | undefined {
  let from = 0;
  let out = '';
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', from)) {
    const char = UNESCAPES.get(text.charAt(at + 1));
    if (char === undefined) return undefined;
    out += text.slice(from, at) + char;
    from = at + 2;
  }
  return from === 0 ? text : out + text.slice(from);
}
