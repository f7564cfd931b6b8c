import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type TransportKind = 'websocket' | 'sockjs';

/**
 * One frame sent to many connections, the same value to each (socket.io's pre-encoded packets):
 * its bytes, encoded once by the fan-out, and what each transport makes of them for the wire,
 * made by the first connection of that transport that sends it and kept here for the others. On
 * the value rather than in a transport's cache, so that what is shared, and for how long (as long
 * as the value: one publication), shows in the types. Never changed once sent.
 */
export class PreEncodedFrame {
  /** The WebSocket text frame, header and bytes (ws-transport.ts). */
  webSocketFrame: Buffer | undefined;
  /** The bytes as a string, which sockjs takes (sockjs-transport.ts). */
  sockJsText: string | undefined;

  constructor(readonly bytes: Buffer) {}
}

/**
 * One client socket, whichever library carries it: all the STOMP layer knows of a transport.
 * Every method is safe to call after the connection has closed.
 */
export interface ClientConnection {
  readonly transport: TransportKind;
  readonly remoteAddress: string;
  /** Bytes (for SockJS, characters) accepted by send() that have not reached the network yet. */
  bufferedBytes(): number;
  /** Sends one text message; STOMP frames are UTF-8. */
  send(data: Buffer | PreEncodedFrame): void;
  /** Closing handshake, after everything already sent. */
  close(code: number, reason: string): void;
  /** Drops the socket at once with whatever it still buffers: for clients that stopped reading. */
  terminate(): void;
  onMessage(listener: (data: Buffer | string) => void): void;
  /** Called once, however the connection ended. */
  onClose(listener: () => void): void;
}

/** A handler of part of an HTTP server's URL space; each method returns false for URLs it does not own. */
export interface HttpEndpoint {
  /** The request (or upgrade) would open a new client connection, not serve an open one. */
  opensConnection(req: IncomingMessage): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}
