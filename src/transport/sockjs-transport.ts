import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import sockjs from 'sockjs';
import type { Logger } from 'pino';
import { CLOSE_CODES } from '../contract/close-codes.js';
import { PreEncodedFrame, type ClientConnection, type HttpEndpoint } from './client-connection.js';
import { batchWritesThisTick } from './tick-batch.js';
import { redactSecrets } from '../observability/redact.js';

// sockjs 0.3.24 (its last release) has these in its source, but @types/sockjs lacks them.
declare module 'sockjs' {
  interface ServerOptions {
    /** Options of faye-websocket, which carries SockJS's websocket transport. */
    faye_server_options?: { maxLength?: number };
  }
  interface Server {
    /** The handler installHandlers() would put on a server; false for URLs outside the prefix. */
    listener(options?: ServerOptions): { getHandler(): (req: IncomingMessage, target: ServerResponse | Duplex, head?: Buffer) => boolean };
  }
  interface Connection {
    close(code?: number, reason?: string): boolean;
    /** Internal: the session (or raw websocket receiver) behind the connection. */
    readonly _session?: SockJsSession;
  }
}

/** The parts of a sockjs session that identify it and hold unsent data. */
interface SockJsSession {
  /** From the URL (`<prefix>/<server>/<session>/<transport>`); none for raw websockets. */
  session_id?: string | null;
  /** Frames waiting for the client's next poll or streaming response. */
  send_buffer?: string[];
  /** The receiver attached now: a websocket (`connection`) or an HTTP response. */
  recv?: { connection?: Socket | null; response?: { socket?: Socket | null } | null } | null;
}

export interface SockJsEndpointOptions {
  prefix: string;
  /** Limit on one websocket message or one xhr_send / jsonp_send body. */
  maxMessageBytes: number;
  logger: Logger;
  /**
   * The sockjs-client build the iframe page (`<prefix>/iframe.html`) loads, served here at
   * `<prefix>/<its file name>`: no CDN, so the iframe transports work offline and pinned.
   */
  clientScriptPath: string;
  /** Origins whose pages may frame the iframe page ('*': any); it is framed by design. */
  iframeAncestors: string[];
  onConnection(connection: ClientConnection): void;
}

/** SockJS clients (websocket, xhr-streaming, polling, ...) under a URL prefix. */
export function createSockJsEndpoint(options: SockJsEndpointOptions): HttpEndpoint {
  const scriptName = options.clientScriptPath.split('/').pop()!;
  const server = sockjs.createServer({
    prefix: options.prefix,
    // Relative to the iframe page, so it resolves under whatever path the gateway is mounted.
    sockjs_url: scriptName,
    faye_server_options: { maxLength: options.maxMessageBytes },
    // Its lines hold request URLs, which may carry a token in their query string. It logs every
    // request (one line each), so a line nobody will see is not redacted first.
    log: (severity, line) => {
      if (severity === 'error') options.logger.warn(redactSecrets(line));
      else if (options.logger.isLevelEnabled('debug')) options.logger.debug(redactSecrets(line));
    },
  });
  // Until sockjs forgets the session: a poll that comes for its close frame is not a new connection.
  const sessions = new Set<string>();
  server.on('connection', (conn: sockjs.Connection | null) => {
    // null when the session timed out before its connection event ran.
    if (!conn) return;
    const id = conn._session?.session_id;
    if (id) {
      sessions.add(id);
      conn.once('close', () => sessions.delete(id));
    }
    options.onConnection(adapt(conn));
  });
  const handler = server.listener().getHandler();
  const scriptUrl = `${options.prefix}/${scriptName}`;
  const iframeUrl = new RegExp(`^${options.prefix}/iframe[0-9-.a-z_]*\\.html(\\?|$)`);
  const frameAncestors = options.iframeAncestors.includes('*') ? '*' : ["'self'", ...options.iframeAncestors].join(' ');
  let script: Promise<Buffer> | undefined;
  return {
    opensConnection(req) {
      const path = (req.url ?? '').split('?')[0]!;
      if (!path.startsWith(`${options.prefix}/`)) return false;
      // <prefix>/<server>/<session>/<transport>: new unless it is one of our open sessions.
      const parts = path.slice(options.prefix.length).split('/');
      if (parts.length === 4) return !sessions.has(parts[2]!);
      // /info, /websocket, /iframe.html: the first request of every client.
      return path !== `${options.prefix}/`;
    },
    handleRequest(req, res) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (req.method === 'GET' && (req.url ?? '').split('?')[0] === scriptUrl) {
        script ??= readFile(options.clientScriptPath);
        script.then(
          (body) => res.writeHead(200, { 'Content-Type': 'application/javascript; charset=UTF-8', 'Cache-Control': 'public, max-age=3600' }).end(body),
          () => {
            script = undefined;
            res.writeHead(404, { 'Content-Type': 'text/plain' }).end('sockjs-client is not built: run npm run build:client');
          },
        );
        return true;
      }
      if (iframeUrl.test(req.url ?? '')) res.setHeader('Content-Security-Policy', `frame-ancestors ${frameAncestors}`);
      if (!handler(req, res)) return false;
      limitBody(req, res, options.maxMessageBytes);
      return true;
    },
    handleUpgrade: (req, socket, head) => handler(req, socket, head),
  };
}

/** sockjs reads a whole POST body into memory whatever its size: cut off oversized ones. */
function limitBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  if (req.method !== 'POST') return;
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      res.destroy();
      req.destroy();
    }
  });
}

// sockjs takes strings: a frame sent to many connections is decoded once for all of them.
function text(data: Buffer | PreEncodedFrame): string {
  return data instanceof PreEncodedFrame ? data.sockJsText() : data.toString('utf8');
}

function adapt(conn: sockjs.Connection): ClientConnection {
  const socket = (): Socket | null | undefined => {
    const recv = conn._session?.recv;
    return recv?.connection ?? recv?.response?.socket;
  };
  // A session is over as soon as we close it: the close frame goes out at once, with no
  // handshake to wait for, while sockjs emits 'close' only after its disconnect delay (5 s).
  const closeListeners: (() => void)[] = [];
  let closed = false;
  const ended = () => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners) listener();
  };
  conn.once('close', ended);
  return {
    transport: 'sockjs',
    remoteAddress: conn.remoteAddress ?? 'unknown',
    bufferedBytes() {
      let pending = socket()?.writableLength ?? 0;
      for (const frame of conn._session?.send_buffer ?? []) pending += frame.length;
      return pending;
    },
    send(data) {
      // sockjs writes each message to the socket (websocket or HTTP response) at once: held
      // until the tick ends, a fan-out's frames leave in one system call per client.
      const stream = socket();
      if (stream && !stream.destroyed) batchWritesThisTick(stream);
      conn.write(text(data));
    },
    close(code, reason) {
      conn.close(code, reason);
      ended();
    },
    terminate() {
      // Closing first ends the session; destroying its socket then frees what it buffers,
      // which a close frame queued behind the backlog never would.
      const stuck = socket();
      conn.close(CLOSE_CODES.shutdown, 'terminated');
      stuck?.destroy();
      ended();
    },
    onMessage: (listener) => conn.on('data', listener),
    onClose(listener) {
      closeListeners.push(listener);
    },
  };
}
