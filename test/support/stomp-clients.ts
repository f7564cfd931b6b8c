import { Client, type IFrame, type IMessage, type IStompSocket } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';

/** How a browser may reach the gateway: plain WebSocket, or SockJS over one of its transports. */
export type ClientKind = 'websocket' | 'sockjs-websocket' | 'sockjs-xhr-streaming';
export const CLIENT_KINDS: readonly ClientKind[] = ['websocket', 'sockjs-websocket', 'sockjs-xhr-streaming'];
/** One plain WebSocket and one SockJS HTTP transport: the two code paths furthest apart. */
export const TWO_TRANSPORTS: readonly ClientKind[] = ['websocket', 'sockjs-xhr-streaming'];

export function socketFactory(baseUrl: string, kind: ClientKind): () => IStompSocket {
  switch (kind) {
    case 'websocket':
      return () => new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/websocket`);
    case 'sockjs-websocket':
      return () => new SockJS(`${baseUrl}/ws`, undefined, { transports: ['websocket'] });
    case 'sockjs-xhr-streaming':
      return () => new SockJS(`${baseUrl}/ws`, undefined, { transports: ['xhr-streaming'] });
  }
}

export interface Inbox {
  readonly messages: IMessage[];
  /** Parsed JSON bodies, in arrival order. */
  bodies<T = Record<string, unknown>>(): T[];
}

export interface ClientOptions {
  /** Authorization header value; omitted when undefined. */
  authorization?: string;
  heartbeatIncoming?: number;
  heartbeatOutgoing?: number;
}

/**
 * A real @stomp/stompjs client, as the browser library uses it, that never reconnects by
 * itself and records what happened to it.
 */
export class StompTestClient {
  readonly errors: IFrame[] = [];
  /** Every MESSAGE frame this client received, whatever the subscription. */
  readonly received: IMessage[] = [];
  readonly connected: Promise<void>;
  /** Resolves with the close code once the socket is closed. */
  readonly closed: Promise<number>;
  readonly firstError: Promise<IFrame>;
  isClosed = false;
  closeReason: string | undefined;
  /** Date.now() when the socket closed. */
  closedAt: number | undefined;
  readonly #client: Client;
  #nextReceipt = 0;

  constructor(baseUrl: string, kind: ClientKind, options: ClientOptions = {}) {
    this.#client = new Client({
      webSocketFactory: socketFactory(baseUrl, kind),
      connectHeaders: options.authorization === undefined ? {} : { Authorization: options.authorization },
      heartbeatIncoming: options.heartbeatIncoming ?? 0,
      heartbeatOutgoing: options.heartbeatOutgoing ?? 0,
      reconnectDelay: 0,
      debug: () => {},
    });
    let connected!: () => void;
    let failed!: (err: Error) => void;
    this.connected = new Promise((resolve, reject) => ((connected = resolve), (failed = reject)));
    this.connected.catch(() => {});
    let errored!: (frame: IFrame) => void;
    this.firstError = new Promise((resolve) => (errored = resolve));
    let closed!: (code: number) => void;
    this.closed = new Promise((resolve) => (closed = resolve));

    this.#client.onConnect = () => connected();
    this.#client.onStompError = (frame) => {
      this.errors.push(frame);
      errored(frame);
      failed(new Error(`STOMP ERROR: ${frame.headers.message}`));
    };
    this.#client.onWebSocketClose = (event: { code?: number; reason?: string }) => {
      this.isClosed = true;
      this.closeReason = event.reason;
      this.closedAt = Date.now();
      closed(event.code ?? 0);
      failed(new Error('socket closed before CONNECTED'));
    };
    this.#client.activate();
  }

  static async connect(baseUrl: string, kind: ClientKind, options: ClientOptions): Promise<StompTestClient> {
    const client = new StompTestClient(baseUrl, kind, options);
    await client.connected;
    return client;
  }

  /** Subscribes and waits for the server's receipt, so no event published afterwards is missed. */
  async subscribe(destination: string, headers: Record<string, string> = {}): Promise<Inbox> {
    const messages: IMessage[] = [];
    const receipt = `r-${this.#nextReceipt++}`;
    const confirmed = new Promise<void>((resolve, reject) => {
      this.#client.watchForReceipt(receipt, () => resolve());
      void this.firstError.then((frame) => reject(new Error(`STOMP ERROR: ${frame.headers.message}`)));
      void this.closed.then(() => reject(new Error('socket closed')));
    });
    this.#client.subscribe(destination, (m) => (messages.push(m), this.received.push(m)), { ...headers, receipt });
    await confirmed;
    return { messages, bodies: <T>() => messages.map((m) => JSON.parse(m.body) as T) };
  }

  /** publish() of @stomp/stompjs, without waiting for anything. */
  publish(destination: string, body: string, headers: Record<string, string> = {}): void {
    this.#client.publish({ destination, body, headers });
  }

  /** publish() with a receipt: resolves with its id when the RECEIPT comes; rejects on ERROR or close. */
  async send(destination: string, body: string, headers: Record<string, string> = {}): Promise<string> {
    const receipt = `send-${this.#nextReceipt++}`;
    const confirmed = new Promise<string>((resolve, reject) => {
      this.#client.watchForReceipt(receipt, () => resolve(receipt));
      void this.firstError.then((frame) => reject(new Error(`STOMP ERROR: ${frame.headers.message}`)));
      void this.closed.then(() => reject(new Error('socket closed')));
    });
    this.#client.publish({ destination, body, headers: { ...headers, receipt } });
    return confirmed;
  }

  async disconnect(): Promise<void> {
    await this.#client.deactivate();
  }
}

/** Connects and subscribes, expecting the server to answer with an ERROR frame and a close. */
export async function expectRefusal(client: StompTestClient, destination?: string): Promise<string> {
  if (destination !== undefined) {
    await client.connected;
    await client.subscribe(destination).then(
      () => {
        throw new Error(`subscription to ${destination} was accepted`);
      },
      () => {},
    );
  }
  const error = await client.firstError;
  await client.closed;
  return error.headers.message ?? '';
}

/** The status a plain WebSocket handshake to the gateway gets: 101 when it is accepted. */
export function handshakeStatus(baseUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/websocket`);
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('unexpected-response', (_req, res) => (res.resume(), resolve(res.statusCode ?? 0)));
    ws.once('error', reject);
  });
}
