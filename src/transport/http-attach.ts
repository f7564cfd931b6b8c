import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpEndpoint } from './client-connection.js';

/**
 * Puts endpoints in front of a server's existing request listeners (the REST app), the way
 * sockjs's own installHandlers does, so one port serves both; upgrades nobody owns are refused.
 */
export function attachEndpoints(server: Server, endpoints: readonly HttpEndpoint[]): void {
  const appListeners = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (endpoints.some((e) => e.handleRequest(req, res))) return;
    for (const listener of appListeners) listener.call(server, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!endpoints.some((e) => e.handleUpgrade(req, socket, head))) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
}
