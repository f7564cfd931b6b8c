import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Tally } from './samples.js';

const MARKER = /~t([0-9.]+)~/;

/**
 * socket.io-client as an application uses it (WebSocket transport only, no reconnection): joins
 * the room through an acknowledged `subscribe` event, the counterpart of SUBSCRIBE + receipt,
 * then counts `message` events and reads the time marker of each.
 */
export class SocketIoLoadClient {
  #closing = false;

  private constructor(private readonly socket: Socket) {}

  static open(url: string, token: string, tally: Tally): Promise<SocketIoLoadClient> {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token }, timeout: 30_000 });
    const client = new SocketIoLoadClient(socket);
    socket.on('message', (payload: { message?: string }) => {
      tally.deliveries++;
      const latency = tally.latency;
      if (!latency) return;
      const match = MARKER.exec(payload.message ?? '');
      if (match) latency.add(performance.now() - Number(match[1]));
    });
    return new Promise((resolve, reject) => {
      socket.once('connect_error', reject);
      socket.once('connect', () => void socket.emitWithAck('subscribe').then(() => resolve(client), reject));
      socket.on('disconnect', () => {
        if (!client.#closing) tally.dropped++;
      });
    });
  }

  /** engine.io answers the server's pings by itself. */
  heartbeat(): void {}

  close(): void {
    this.#closing = true;
    this.socket.disconnect();
  }
}
