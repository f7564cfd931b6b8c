import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { StompParser } from '../../src/protocol/stomp/parser.js';
import type { StompFrame, StompVersion } from '../../src/protocol/stomp/frame.js';
import { eventually } from './eventually.js';

/**
 * `raw`: STOMP straight on /ws/websocket. `sockjs`: SockJS's websocket transport, whose
 * messages are JSON arrays of strings ('o', 'h', 'a[...]', 'c[...]' from the server).
 */
export type Framing = 'raw' | 'sockjs';

/** A hand-driven STOMP client: sends exactly the bytes a test gives it and records every reply. */
export class RawStompSocket {
  readonly frames: StompFrame[] = [];
  heartbeats = 0;
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  readonly #parser: StompParser;

  private constructor(
    readonly ws: WebSocket,
    private readonly framing: Framing,
    /** The TCP socket under the WebSocket: pausing it makes a client that stops reading. */
    readonly tcp: Promise<Socket>,
  ) {
    this.#parser = new StompParser({
      maxFrameBytes: 16 * 1024 * 1024,
      onFrame: (frame) => {
        // Later frames are escaped by the version the server agreed.
        if (frame.command === 'CONNECTED') this.#parser.setVersion((frame.headers.version ?? '1.0') as StompVersion);
        this.frames.push(frame);
      },
      onHeartbeat: () => this.heartbeats++,
      onError: (err) => {
        throw err;
      },
    });
    ws.on('message', (data: Buffer) => this.#receive(data));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
    ws.on('error', () => {});
  }

  /** `autoPong: false` makes a peer that has vanished without closing its socket. */
  static async open(baseUrl: string, framing: Framing = 'raw', { autoPong = true } = {}): Promise<RawStompSocket> {
    const origin = baseUrl.replace(/^http/, 'ws');
    const url = framing === 'raw' ? `${origin}/ws/websocket` : `${origin}/ws/000/${randomBytes(6).toString('hex')}/websocket`;
    const ws = new WebSocket(url, { autoPong });
    const tcp = new Promise<Socket>((resolve) => ws.once('upgrade', (res) => resolve(res.socket)));
    const socket = new RawStompSocket(ws, framing, tcp);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return socket;
  }

  /** Sends one transport message holding exactly this text. */
  send(text: string | Buffer): void {
    this.ws.send(this.framing === 'raw' ? text : JSON.stringify([text.toString()]));
  }

  /** CONNECT with a token and waits for CONNECTED. */
  async connect(authorization: string, headers: Record<string, string> = {}): Promise<StompFrame> {
    this.send(frame('CONNECT', { 'accept-version': '1.2', Authorization: authorization, ...headers }));
    return this.next('CONNECTED');
  }

  /** The first not yet taken frame, which must have this command. */
  async next(command: string, timeoutMs = 5_000): Promise<StompFrame> {
    const found = await eventually(() => {
      assert.ok(this.frames.length > 0, `no ${command} frame arrived`);
      return this.frames.shift()!;
    }, timeoutMs);
    assert.equal(found.command, command, `expected ${command}, got ${found.command} ${JSON.stringify(found.headers)}`);
    return found;
  }

  /** An ERROR frame, then the server closing the connection. */
  async expectError(): Promise<StompFrame> {
    const error = await this.next('ERROR');
    await this.closed;
    return error;
  }

  close(): void {
    this.ws.terminate();
  }

  #receive(data: Buffer): void {
    if (this.framing === 'raw') return this.#parser.push(data);
    const text = data.toString('utf8');
    if (text.startsWith('a')) for (const message of JSON.parse(text.slice(1)) as string[]) this.#parser.push(message);
  }
}

/** A STOMP frame's text: command, headers as given (no escaping), blank line, body, NUL. */
export function frame(command: string, headers: Record<string, string> = {}, body = ''): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}:${value}\n`);
  return `${command}\n${lines.join('')}\n${body}\0`;
}
