import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { PreEncodedFrame, type ClientConnection, type HttpEndpoint } from './client-connection.js';
import { batchWritesThisTick } from './tick-batch.js';

export interface WebSocketEndpointOptions {
  path: string;
  /** Larger messages are refused by ws itself (close 1009) before they are buffered whole. */
  maxMessageBytes: number;
  /** How often each socket is pinged; one that answers nothing for two periods is cut. */
  pingIntervalMs: number;
  onConnection(connection: ClientConnection): void;
}

/** Plain WebSocket (RFC 6455) clients on one exact path. */
export function createWebSocketEndpoint(options: WebSocketEndpointOptions): HttpEndpoint {
  // No permessage-deflate (ws's default, spelt out because send() below frames messages itself).
  const server = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: options.maxMessageBytes });
  const sweep = new PingSweep(options.pingIntervalMs);
  const owns = (req: IncomingMessage) => (req.url ?? '').split('?')[0] === options.path;
  return {
    opensConnection: owns,
    handleRequest: () => false,
    handleUpgrade(req, socket, head) {
      if (!owns(req)) return false;
      server.handleUpgrade(req, socket, head, (ws) => {
        sweep.watch(ws);
        options.onConnection(new WebSocketConnection(ws, req.socket, sweep));
      });
      return true;
    },
  };
}

/** RFC 6455 5.2 header of a final, unmasked (server to client) text frame of `length` bytes. */
function textFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65_536) {
    const header = Buffer.from([0x81, 126, 0, 0]);
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.from([0x81, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUIntBE(length, 4, 6);
  return header;
}

function textFrame(payload: Buffer): Buffer {
  return Buffer.concat([textFrameHeader(payload.length), payload]);
}

/**
 * Finds peers that vanished without closing (a suspended laptop, a dropped mobile link). TCP
 * notices only after minutes of retransmissions, or never on a socket we do not write to, and a
 * client that negotiated no STOMP heart-beats sends nothing whose absence the session could
 * notice. Browsers and ws answer pings by themselves. The pings also keep proxies with an idle
 * timeout (nginx: 60 s) from cutting quiet connections, as SockJS's own heartbeat frames do.
 * One timer for all sockets, as with STOMP heart-beats (see heartbeats.ts), and listeners
 * shared by all sockets (ws calls them with the socket as `this`): per-socket closures cost
 * idle connections several hundred bytes each.
 */
class PingSweep {
  readonly #sockets = new Set<WebSocket>();
  /** Pinged and heard nothing from since: how many sweeps found nothing queued for it. */
  readonly #unanswered = new Map<WebSocket, number>();
  readonly #onPong: (this: WebSocket) => void;
  readonly #onClose: (this: WebSocket) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly periodMs: number) {
    const sweep = this;
    this.#onPong = function () {
      sweep.heard(this);
    };
    this.#onClose = function () {
      sweep.#forget(this);
    };
  }

  watch(ws: WebSocket): void {
    ws.on('pong', this.#onPong);
    ws.on('close', this.#onClose);
    this.#sockets.add(ws);
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#sweep(), this.periodMs);
    this.#timer.unref();
  }

  /** Anything that came in from the socket shows it is there. */
  heard(ws: WebSocket): void {
    this.#unanswered.delete(ws);
  }

  #sweep(): void {
    // Set iteration tolerates a socket leaving during the loop.
    for (const ws of this.#sockets) {
      const silent = this.#unanswered.get(ws);
      if (silent === undefined) {
        this.#unanswered.set(ws, 0);
        ws.ping();
      } else if (ws.bufferedAmount === 0) {
        // Two periods, not one: the ping may still sit in the kernel's buffer behind frames
        // sent before it, which a slow reader is still reading.
        if (silent >= 1) ws.terminate();
        else this.#unanswered.set(ws, silent + 1);
      }
      // Else frames are still queued here, the ping perhaps behind them: the slow-client limit,
      // not this sweep, decides about a reader that far behind.
    }
  }

  #forget(ws: WebSocket): void {
    this.#unanswered.delete(ws);
    if (!this.#sockets.delete(ws) || this.#sockets.size > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

// ws emits 'error' for protocol violations (an oversized message, bad UTF-8) and then closes;
// an 'error' event without a listener would crash the process. One function for all sockets.
const ignore = () => {};

/**
 * A ws socket as a ClientConnection. A class rather than an object of closures: thousands of
 * idle connections each paid for eight closures and their context.
 */
class WebSocketConnection implements ClientConnection {
  readonly transport = 'websocket';

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket ws reads and writes (the upgrade request's). */
    private readonly socket: Socket,
    private readonly sweep: PingSweep,
  ) {
    ws.on('error', ignore);
  }

  /** Read when logged only: asking the socket caches its peer address on it. */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? 'unknown';
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  send(data: Buffer | PreEncodedFrame): void {
    // Text frames, as browsers' STOMP clients expect, written straight to the socket ws reads
    // and writes (the same bytes ws.send would write, without its per-call framing work).
    // Safe because nothing else queues data frames in ws's sender: no compression, no Blobs.
    if (this.ws.readyState !== WebSocket.OPEN || this.socket.destroyed) return;
    batchWritesThisTick(this.socket);
    this.socket.write(data instanceof PreEncodedFrame ? data.webSocketFrame(textFrame) : textFrame(data));
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  onMessage(listener: (data: Buffer | string) => void): void {
    this.ws.on('message', (data: RawData) => {
      this.sweep.heard(this.ws);
      listener(toBuffer(data));
    });
  }

  onClose(listener: () => void): void {
    // ws emits 'close' exactly once.
    this.ws.on('close', listener);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
