import type { IncomingMessage } from 'node:http';
import type { HttpEndpoint } from './client-connection.js';

/**
 * Refuses browser handshakes from pages of other origins (cross-site WebSocket hijacking: a
 * WebSocket is not bound by CORS). Put first among the gateway's endpoints; it claims only
 * what it refuses. A request without Origin passes: Node, Python and mobile clients send none,
 * and a browser always does on a WebSocket or cross-origin request. So does a page of the
 * gateway's own origin (SockJS's iframe transports).
 */
export function originGate(options: { prefix: string; allowedOrigins: string[] }): HttpEndpoint {
  const anyOrigin = options.allowedOrigins.includes('*');
  const allowed = new Set(options.allowedOrigins);
  const refused = (req: IncomingMessage): boolean => {
    if (anyOrigin) return false;
    const { origin } = req.headers;
    if (origin === undefined || allowed.has(origin)) return false;
    const path = (req.url ?? '').split('?')[0]!;
    if (path !== options.prefix && !path.startsWith(`${options.prefix}/`)) return false;
    return hostOf(origin) !== req.headers.host;
  };
  return {
    // It only ever refuses: a drain's refusal comes first, and the endpoints behind it open.
    opensConnection: () => false,
    handleRequest(req, res) {
      if (!refused(req)) return false;
      res.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'forbidden', message: 'this origin may not connect: the operator lists allowed origins in CORS_ORIGINS' }));
      return true;
    },
    handleUpgrade(req, socket) {
      if (!refused(req)) return false;
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    },
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
