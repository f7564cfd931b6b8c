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

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(portTaken(err, port, host));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
