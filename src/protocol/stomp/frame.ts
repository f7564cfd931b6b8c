export type StompVersion = '1.0' | '1.1' | '1.2';

const CLIENT = ['CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT'] as const;
const SERVER = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;

export type ClientCommand = (typeof CLIENT)[number];
export type ServerCommand = (typeof SERVER)[number];
export type StompCommand = ClientCommand | ServerCommand;

// Typed as ReadonlySet<string> so callers can test an arbitrary string without casting.
export const CLIENT_COMMANDS: ReadonlySet<string> = new Set<string>(CLIENT);
export const SERVER_COMMANDS: ReadonlySet<string> = new Set<string>(SERVER);

export function isStompCommand(command: string): command is StompCommand {
  return CLIENT_COMMANDS.has(command) || SERVER_COMMANDS.has(command);
}

export interface StompFrame {
  command: string;
  /** Null-prototype object: a repeated header keeps its first value, and `__proto__` is just a name. */
  headers: Record<string, string>;
  body: Buffer;
}

/** About the bytes a parsed frame holds: its wire size less the separators. */
export function frameSize(frame: StompFrame): number {
  let size = frame.command.length + frame.body.length;
  for (const name in frame.headers) size += name.length + frame.headers[name]!.length;
  return size;
}

export type StompErrorCode = 'frame-too-large' | 'bad-command' | 'bad-header' | 'bad-content-length' | 'missing-nul' | 'too-many-headers';

export class StompProtocolError extends Error {
  override readonly name = 'StompProtocolError';

  constructor(
    readonly code: StompErrorCode,
    message: string,
  ) {
    super(message);
  }
}
