import { Versions, type IStompSocket } from '@stomp/stompjs';
import SockJS from 'sockjs-client';

/**
 * - `auto` (the default): a plain WebSocket, and SockJS on a network that does not let
 *   WebSockets through (see TransportChoice). URLs are SockJS endpoints, such as '/ws'; the
 *   WebSocket goes to `<url>/websocket`, where the gateway serves plain STOMP over WebSocket.
 * - `sockjs`: always SockJS (it tries its own WebSocket transport first, then HTTP streaming
 *   and polling). URLs are SockJS endpoints.
 * - `websocket`: always a plain WebSocket. URLs are ws(s):// URLs such as
 *   'wss://host/ws/websocket'.
 */
export const TRANSPORT_OPTIONS = ['auto', 'sockjs', 'websocket'] as const;
export type TransportOption = (typeof TRANSPORT_OPTIONS)[number];

/**
 * Which transport a client uses next, learnt from what its network let through, once per client
 * (a page: a reload asks again).
 *
 * A plain WebSocket costs a gateway 0.6 of the CPU of a SockJS session to set up (its `/info`
 * request, sockjs and faye-websocket; docs/benchmarks.md, "session set-ups"), and set-ups are
 * what a survivor gateway runs short of when a dead gateway's clients all come to it at once.
 * SockJS is for the networks whose proxies refuse or hold WebSocket upgrades.
 *
 * The rule:
 * - a plain WebSocket that opened once, at any gateway, settles it: the network lets them
 *   through. A later one that fails was failed by its gateway (dead, draining, swamped), and the
 *   client tries again on a WebSocket, never on the costlier SockJS. So a gateway's death never
 *   moves its clients' load on the survivor to SockJS;
 * - until then, each attempt probes: a WebSocket that closes without opening, or has not opened
 *   within the probe time, is followed at once, in the same attempt, by SockJS at the same gateway.
 *   SockJS that then opens over HTTP (streaming or polling) settles it the other way: WebSockets
 *   are blocked, SockJS from then on. SockJS that opens over its own WebSocket transport settles
 *   nothing (WebSockets do pass, the plain one failed for another reason), and SockJS that fails
 *   says the gateway failed, not the network.
 *
 * Not settled by counting failures, as pusher-js does (two WebSocket failures move it to HTTP for
 * good): a phone put to sleep fails WebSockets for reasons that say nothing about its network.
 * The cost of the rule is at a brand-new client whose first gateway is swamped: its probe may
 * time out and its SockJS fall back to HTTP, and it then stays on SockJS until the page reloads.
 */
export class TransportChoice {
  #settled: 'sockjs' | 'websocket' | undefined;

  constructor(readonly option: TransportOption) {
    if (option !== 'auto') this.#settled = option;
  }

  /** What the next attempt opens: `probe` is a WebSocket with SockJS behind it. */
  get next(): 'sockjs' | 'websocket' | 'probe' {
    return this.#settled ?? 'probe';
  }

  /** A socket opened: a plain WebSocket, or SockJS over its transport `sockjsTransport`. */
  opened(socket: { kind: 'websocket' } | { kind: 'sockjs'; sockjsTransport: string; afterWebSocketFailed: boolean }): void {
    if (this.#settled !== undefined) return;
    if (socket.kind === 'websocket') this.#settled = 'websocket';
    else if (socket.afterWebSocketFailed && socket.sockjsTransport !== 'websocket') this.#settled = 'sockjs';
  }
}

export interface SocketHooks {
  /** Each transport SockJS tries gets this long to open before it moves to the next. */
  sockjsTransportTimeoutMs: number;
  /** A probing WebSocket that has not opened by then gives way to SockJS. */
  probeMs: number;
  /** The socket opened (the gateway is up, whatever happens next). */
  onOpen(): void;
  /** A probe gave way to SockJS: a new socket, which deserves the attempt's full time to open. */
  onFallback(): void;
}

/** The socket for an attempt at the gateway `url`, by the choice's `next`. */
export function openSocket(url: string, choice: TransportChoice, hooks: SocketHooks): IStompSocket {
  const next = choice.next;
  if (next === 'probe') return new WebSocketFirst(url, choice, hooks);
  const socket = next === 'sockjs' ? sockJs(url, hooks) : plainWebSocket(choice.option === 'auto' ? webSocketUrlOf(url) : url);
  socket.addEventListener('open', () => {
    choice.opened(next === 'sockjs' ? { kind: 'sockjs', sockjsTransport: transportOf(socket), afterWebSocketFailed: false } : { kind: 'websocket' });
    hooks.onOpen();
  });
  return socket;
}

/** `<sockjs url>/websocket` as a ws(s):// URL, resolved against the page for a relative one. */
export function webSocketUrlOf(sockjsUrl: string): string {
  const url = new URL(`${sockjsUrl.replace(/\/+$/, '')}/websocket`, globalThis.location?.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.href;
}

function plainWebSocket(url: string): WebSocket {
  return new WebSocket(url, Versions.default.protocolVersions());
}

function sockJs(url: string, hooks: SocketHooks): WebSocket {
  return new SockJS(url, undefined, { timeout: hooks.sockjsTransportTimeoutMs });
}

/** The SockJS transport that opened ('websocket', 'xhr-streaming', ...): sockjs-client's `transport`. */
function transportOf(socket: WebSocket): string {
  return (socket as WebSocket & { transport?: string | null }).transport ?? '';
}

/**
 * A plain WebSocket with SockJS behind it, as one socket to stompjs: the probe of TransportChoice.
 * stompjs sees an open, messages and a close of whichever socket it ends up on, never the probe's
 * failure.
 */
class WebSocketFirst implements IStompSocket {
  onopen: IStompSocket['onopen'] = null;
  onclose: IStompSocket['onclose'] = null;
  onerror: IStompSocket['onerror'] = null;
  onmessage: IStompSocket['onmessage'] = null;
  binaryType = 'arraybuffer';
  #socket: WebSocket;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly sockjsUrl: string,
    private readonly choice: TransportChoice,
    private readonly hooks: SocketHooks,
  ) {
    const probe = plainWebSocket(webSocketUrlOf(sockjsUrl));
    this.#socket = probe;
    let probeOpened = false;
    probe.onopen = (event) => {
      probeOpened = true;
      clearTimeout(this.#probeTimer);
      this.choice.opened({ kind: 'websocket' });
      this.#opened(event);
    };
    probe.onmessage = (event) => this.onmessage?.(event);
    // A probe that fails fires error, then close: the close decides.
    probe.onerror = () => {};
    probe.onclose = (event) => {
      clearTimeout(this.#probeTimer);
      if (probeOpened || this.#closed) this.onclose?.(event);
      else this.#fallBack();
    };
    this.#probeTimer = setTimeout(() => {
      // Its events are of no more use; error and close still come, and must find a handler.
      probe.onopen = probe.onmessage = probe.onerror = probe.onclose = () => {};
      probe.close();
      this.#fallBack();
    }, hooks.probeMs);
  }

  get url(): string {
    return this.#socket.url;
  }

  get readyState(): number {
    return this.#socket.readyState;
  }

  send(data: Parameters<WebSocket['send']>[0]): void {
    this.#socket.send(data);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#probeTimer);
    this.#socket.close();
  }

  #fallBack(): void {
    this.hooks.onFallback();
    const socket = sockJs(this.sockjsUrl, this.hooks);
    this.#socket = socket;
    socket.onopen = (event) => {
      this.choice.opened({ kind: 'sockjs', sockjsTransport: transportOf(socket), afterWebSocketFailed: true });
      this.#opened(event);
    };
    socket.onmessage = (event) => this.onmessage?.(event);
    socket.onerror = (event) => this.onerror?.(event);
    socket.onclose = (event) => this.onclose?.(event);
  }

  #opened(event: Event): void {
    this.hooks.onOpen();
    this.onopen?.(event);
  }
}
