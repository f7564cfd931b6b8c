import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Tally } from './samples.js';

/** Where and how a STOMP load client connects. */
export interface StompEndpoint {
  /** `raw`: STOMP frames as WebSocket messages; `sockjs`: SockJS's websocket transport under this prefix. */
  framing: 'raw' | 'sockjs';
  /** ws://host:port/ws/websocket for raw; http://host:port/ws (the SockJS prefix) for sockjs. */
  url: string;
  /** Authorization for our gateway, login/passcode for RabbitMQ. */
  connectHeaders: Readonly<Record<string, string>>;
}

// What @stomp/stompjs 7 sends by default.
const ACCEPT_VERSION = '1.2,1.1,1.0';
const HEART_BEAT = '10000,10000';
// Our gateway refuses more than 32 frames queued behind a pending SUBSCRIBE: send them in batches.
const SUBSCRIBE_BATCH = 25;
const SOCKJS_NUL = Buffer.from('\\u0000');
const MARKER = Buffer.from('~t');
const TILDE = 0x7e;

function frame(command: string, headers: Record<string, string>): string {
  let text = `${command}\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}:${value}\n`;
  return `${text}\n\0`;
}

/**
 * A minimal STOMP client on a raw `ws` socket: CONNECT, SUBSCRIBE with receipts, then it only
 * counts MESSAGE frames and reads the time marker in their bodies. It parses nothing once
 * subscribed, so the load generator spends as little CPU per delivery as it can; all servers
 * under test that speak STOMP are read by this same code.
 */
export class StompLoadClient {
  #phase: 'connecting' | 'subscribing' | 'subscribed' = 'connecting';
  #batches: string[] = [];
  #settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #closing = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly endpoint: StompEndpoint,
    private readonly tally: Tally,
  ) {}

  /** Connects and subscribes to every destination; resolves once the last receipt arrived. */
  static open(endpoint: StompEndpoint, destinations: readonly string[], tally: Tally): Promise<StompLoadClient> {
    const url =
      endpoint.framing === 'raw'
        ? endpoint.url
        : `${endpoint.url.replace(/^http/, 'ws')}/${100 + Math.floor(Math.random() * 900)}/${randomBytes(8).toString('hex')}/websocket`;
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 30_000 });
    const client = new StompLoadClient(ws, endpoint, tally);
    for (let i = 0; i < destinations.length; i += SUBSCRIBE_BATCH) {
      const batch = destinations.slice(i, i + SUBSCRIBE_BATCH);
      client.#batches.push(
        batch
          .map((destination, j) => frame('SUBSCRIBE', { id: `sub-${i + j}`, destination, ...(j === batch.length - 1 ? { receipt: `r-${i}` } : {}) }))
          .join(''),
      );
    }
    return new Promise((resolve, reject) => {
      client.#settle = { resolve: () => resolve(client), reject };
      ws.on('open', () => endpoint.framing === 'raw' && client.#connect());
      ws.on('message', (data: Buffer) => client.#receive(data));
      ws.on('error', (err) => client.#fail(err));
      ws.on('close', (code) => {
        if (client.#settle) client.#fail(new Error(`closed with ${code} while ${client.#phase}`));
        else if (!client.#closing) tally.dropped++;
      });
    });
  }

  /** An EOL, the STOMP heart-beat, so servers that negotiated heart-beats keep the client. */
  heartbeat(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.#send('\n');
  }

  close(): void {
    this.#closing = true;
    this.ws.terminate();
  }

  #connect(): void {
    this.#send(frame('CONNECT', { 'accept-version': ACCEPT_VERSION, 'heart-beat': HEART_BEAT, ...this.endpoint.connectHeaders }));
  }

  #send(text: string): void {
    this.ws.send(this.endpoint.framing === 'raw' ? text : JSON.stringify([text]));
  }

  #receive(data: Buffer): void {
    if (this.#phase === 'subscribed') return this.#count(data);
    for (const text of this.#unwrap(data)) {
      if (text.startsWith('CONNECTED')) this.#subscribeNext();
      else if (text.startsWith('RECEIPT')) this.#subscribeNext();
      else if (text.startsWith('ERROR')) this.#fail(new Error(`STOMP ERROR: ${/\nmessage:([^\n]*)/.exec(text)?.[1] ?? text.slice(0, 200)}`));
    }
  }

  /** The STOMP texts in one transport message; SockJS opens with `o` and wraps frames in `a[...]`. */
  #unwrap(data: Buffer): string[] {
    const text = data.toString('utf8');
    if (this.endpoint.framing === 'raw') return [text];
    if (text === 'o') this.#connect();
    return text.startsWith('a') ? (JSON.parse(text.slice(1)) as string[]) : [];
  }

  #subscribeNext(): void {
    const batch = this.#batches.shift();
    if (batch !== undefined) {
      this.#phase = 'subscribing';
      this.#send(batch);
      return;
    }
    this.#phase = 'subscribed';
    this.#settle?.resolve();
    this.#settle = undefined;
  }

  /** Counts frame terminators (a NUL, JSON-escaped under SockJS) and reads each body's marker. */
  #count(data: Buffer): void {
    const nul = this.endpoint.framing === 'raw' ? 0 : SOCKJS_NUL;
    for (let at = data.indexOf(nul); at !== -1; at = data.indexOf(nul, at + 1)) this.tally.deliveries++;
    const latency = this.tally.latency;
    if (!latency) return;
    const now = performance.now();
    for (let at = data.indexOf(MARKER); at !== -1; at = data.indexOf(MARKER, at + 2)) {
      const end = data.indexOf(TILDE, at + 2);
      latency.add(now - Number(data.toString('latin1', at + 2, end)));
    }
  }

  #fail(err: Error): void {
    if (!this.#settle) return;
    this.#settle.reject(err);
    this.#settle = undefined;
    this.#closing = true;
    this.ws.terminate();
  }
}
