import WebSocket from 'ws';
import { StompParser } from '../../src/protocol/stomp/parser.js';
import type { StompFrame } from '../../src/protocol/stomp/frame.js';
import { userDestinations } from '../../src/contract/destinations.js';

/** A SEND answered with a user error on /user/queue/errors: its `error` code. */
export class UserErrorAnswer extends Error {}

/**
 * One user's plain-WebSocket STOMP session that SENDs with receipts (as @stomp/stompjs'
 * publish() with a receipt header does), listening on /user/queue/errors so a refused SEND
 * fails alone, and, if asked, counts the MESSAGE frames of one subscription.
 */
export class StompSender {
  /** MESSAGE frames received. */
  messages = 0;
  readonly #waiting = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  readonly #parser: StompParser;
  #next = 0;

  private constructor(private readonly ws: WebSocket) {
    this.#parser = new StompParser({
      onFrame: (frame) => this.#onFrame(frame),
      onError: (err) => this.#failAll(err),
    });
    ws.on('message', (data: Buffer) => this.#parser.push(data));
    ws.on('close', () => this.#failAll(new Error('socket closed')));
  }

  static async open(gatewayUrl: string, authorization: string, subscribeTo?: string): Promise<StompSender> {
    const ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/ws/websocket`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const sender = new StompSender(ws);
    const connected = sender.#expect('connected');
    ws.send(`CONNECT\naccept-version:1.2\nheart-beat:0,0\nAuthorization:${authorization}\n\n\0`);
    await connected;
    const errors = sender.#expect('errors');
    ws.send(`SUBSCRIBE\nid:errors\ndestination:${userDestinations.errors}\nreceipt:errors\n\n\0`);
    await errors;
    if (subscribeTo) {
      const subscribed = sender.#expect('sub');
      ws.send(`SUBSCRIBE\nid:0\ndestination:${subscribeTo}\nreceipt:sub\n\n\0`);
      await subscribed;
    }
    return sender;
  }

  /** SENDs a JSON body without content-type (as publish() of a string does); resolves at its RECEIPT. */
  send(destination: string, body: string): Promise<void> {
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('socket closed'));
    const receipt = `r${this.#next++}`;
    const answered = this.#expect(receipt);
    this.ws.send(`SEND\ndestination:${destination}\nreceipt:${receipt}\n\n${body}\0`);
    return answered;
  }

  close(): void {
    this.ws.close();
  }

  #expect(receipt: string): Promise<void> {
    return new Promise((resolve, reject) => this.#waiting.set(receipt, { resolve, reject }));
  }

  #onFrame(frame: StompFrame): void {
    if (frame.command === 'MESSAGE' && frame.headers.subscription === 'errors') {
      const refused = this.#waiting.get(frame.headers['receipt-id'] ?? '');
      this.#waiting.delete(frame.headers['receipt-id'] ?? '');
      return refused?.reject(new UserErrorAnswer((JSON.parse(frame.body.toString()) as { error: string }).error));
    }
    if (frame.command === 'MESSAGE') return void this.messages++;
    const key = frame.command === 'CONNECTED' ? 'connected' : frame.headers['receipt-id'];
    const waiting = key === undefined ? undefined : this.#waiting.get(key);
    if (frame.command === 'ERROR') return this.#failAll(new Error(`STOMP ERROR: ${frame.headers.message}`));
    if (!waiting) return;
    this.#waiting.delete(key!);
    waiting.resolve();
  }

  #failAll(err: Error): void {
    for (const { reject } of this.#waiting.values()) reject(err);
    this.#waiting.clear();
  }
}
