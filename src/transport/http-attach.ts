import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpEndpoint } from './client-connection.js';

const REFUSAL = JSON.stringify({ error: 'draining', message: 'this gateway is shutting down: connect to another one' });

/**
 * Puts endpoints in front of a server's existing request listeners (the REST app), the way
 * sockjs's own installHandlers does, so one port serves both; upgrades nobody owns are refused.
 * While `admitting()` is false, requests that would open a client connection get 503 at once
 * (a load balancer or client then tries another gateway); open connections are still served.
 */
export function attachEndpoints(server: Server, endpoints: readonly HttpEndpoint[], admitting: () => boolean): void {
  const refused = (req: IncomingMessage) => !admitting() && endpoints.some((e) => e.opensConnection(req));
  const appListeners = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (refused(req)) {
      res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1', Connection: 'close' }).end(REFUSAL);
      return;
    }
    if (endpoints.some((e) => e.handleRequest(req, res))) return;
    for (const listener of appListeners) listener.call(server, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (refused(req)) {
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(REFUSAL)}\r\n\r\n${REFUSAL}`,
      );
      return;
    }
    if (!endpoints.some((e) => e.handleUpgrade(req, socket, head))) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
}
