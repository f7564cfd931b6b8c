import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type TransportKind = 'websocket' | 'sockjs';

/**
 * One frame sent to many connections, the same value to each (socket.io's pre-encoded packets):
 * its bytes, encoded once (a publication's MESSAGE, the heart-beat), and what each transport makes
 * of them for the wire, made by the first connection of that transport that sends it and kept here
 * for the others. On the value rather than in a transport's cache, so that what is shared, and for
 * how long (as long as the value), shows in the types. Its bytes are never changed.
 */
export class PreEncodedFrame {
  #webSocketFrame: Buffer | undefined;
  #sockJsText: string | undefined;

  constructor(readonly bytes: Buffer) {}

  /**
   * The WebSocket text frame, header and bytes, made by `frame` the first time; later calls get
   * that one, so there is one framer: ws-transport.ts's.
   */
  webSocketFrame(frame: (bytes: Buffer) => Buffer): Buffer {
    return (this.#webSocketFrame ??= frame(this.bytes));
  }

  /** The bytes as the string sockjs takes, decoded the first time (sockjs-transport.ts). */
  sockJsText(): string {
    return (this.#sockJsText ??= this.bytes.toString('utf8'));
  }
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
