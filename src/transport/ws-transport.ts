import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ClientConnection, HttpEndpoint } from './client-connection.js';

export interface WebSocketEndpointOptions {
  path: string;
  /** Larger messages are refused by ws itself (close 1009) before they are buffered whole. */
  maxMessageBytes: number;
  onConnection(connection: ClientConnection): void;
}

/** Plain WebSocket (RFC 6455) clients on one exact path. */
export function createWebSocketEndpoint(options: WebSocketEndpointOptions): HttpEndpoint {
  const server = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: options.maxMessageBytes });
  return {
    handleRequest: () => false,
    handleUpgrade(req, socket, head) {
      if ((req.url ?? '').split('?')[0] !== options.path) return false;
      server.handleUpgrade(req, socket, head, (ws) => options.onConnection(adapt(ws, req)));
      return true;
    },
  };
}

function adapt(ws: WebSocket, req: IncomingMessage): ClientConnection {
  // ws emits 'error' for protocol violations (an oversized message, bad UTF-8) and then
  // closes; an 'error' event without a listener would crash the process.
  ws.on('error', () => {});
  return {
    transport: 'websocket',
    remoteAddress: req.socket.remoteAddress ?? 'unknown',
    bufferedBytes: () => ws.bufferedAmount,
    send(data) {
      // Text frames, as browsers' STOMP clients expect; ws sends the bytes without copying.
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: false });
    },
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    onMessage: (listener) => ws.on('message', (data: RawData) => listener(toBuffer(data))),
    onClose: (listener) => ws.once('close', () => listener()),
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
