import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { StartupError } from '../config/startup-error.js';

function portTaken(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code === 'EADDRINUSE') return new StartupError(`port ${port} on ${host} is already in use: stop the process using it, or set PORT`);
  if (err.code === 'EACCES') return new StartupError(`port ${port} on ${host} needs privileges this process lacks: set PORT above 1023`);
  return err;
}

/**
 * Fails fast, before the database is opened or migrated, when the port cannot be bound. The
 * real listen() can still lose a race for it, and reports that the same way.
 */
export function ensurePortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(portTaken(err, port, host)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * The kernel's queue of connections that finished the TCP handshake but are not accepted yet, for
 * a server with a gateway on it. Node's default, 511, is far below a reconnect storm: when a
 * gateway goes, its thousands of clients reach the survivor within a second or two, while the
 * survivor's event loop is busy setting up the sessions that came first. Past a full queue the
 * kernel drops each SYN, and the client's kernel sends it again only 1, 3, 7 s later, so a
 * gateway busy for a moment left clients waiting for seconds with nothing to do
 * (docs/benchmarks.md, failover). Queued, they are accepted as soon as the loop comes round.
 * Linux caps the value at net.core.somaxconn (4096 by default since 5.4). The api keeps Node's
 * default: it sheds its own overload with 503 and Retry-After (src/http/overload.ts), which a
 * long queue in front of it would only hide, delaying every request behind it.
 */
export const GATEWAY_LISTEN_BACKLOG = 65_535;

/** `backlog`: GATEWAY_LISTEN_BACKLOG for a server with a gateway on it; Node's default (511) without. */
export function listen(server: Server, port: number, host: string, backlog?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(portTaken(err, port, host));
    server.once('error', fail);
    server.listen({ port, host, ...(backlog === undefined ? {} : { backlog }) }, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
