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
 * request, sockjs and faye-websocket; docs/benchmarks.md, "SockJS against plain WebSocket"), and
 * set-ups are what a survivor gateway runs short of when a dead gateway's clients all come to it
 * at once. SockJS is for the networks whose proxies refuse or hold WebSocket upgrades.
 *
 * The rule:
 * - a plain WebSocket that carried a frame (the server's CONNECTED), at any gateway, settles it:
 *   the network lets them through. Not its opening: a proxy may complete the upgrade and pass
 *   nothing. A later one that fails was failed by its gateway (dead, draining, swamped), and the
 *   client tries again on a WebSocket, never on the costlier SockJS. So a gateway's death does not
 *   move its clients' load on the survivor to SockJS;
 * - until then, each attempt probes: a WebSocket that closes without a frame, or has carried none
 *   within the probe time, is followed at once, in the same attempt, by SockJS at the same gateway.
 *   SockJS that then opens over HTTP (streaming or polling) settles it the other way: WebSockets
 *   are blocked, SockJS from then on. SockJS that opens over its own WebSocket transport settles
 *   nothing (WebSockets do pass, the plain one failed for another reason), and SockJS that fails
 *   says the gateway failed, not the network;
 * - a client settled on WebSockets whose WebSocket then carries nothing RETHINK_AFTER attempts in
 *   a row probes again: it may have moved to a network that blocks them.
 *
 * Not switched by counting failures, as pusher-js does (two WebSocket failures move it to HTTP for
 * good): a phone put to sleep fails WebSockets for reasons that say nothing about its network.
 * RETHINK_AFTER silent attempts only reopen the question.
 * The cost of the rule is at a brand-new client whose first gateway is swamped: its probe may
 * time out and its SockJS fall back to HTTP, and it then stays on SockJS until the page reloads.
 */
export class TransportChoice {
  #settled: 'sockjs' | 'websocket' | undefined;
  /** Attempts in a row, since it settled on WebSockets, whose WebSocket carried no frame. */
  #silent = 0;

  constructor(readonly option: TransportOption) {
    if (option !== 'auto') this.#settled = option;
  }

  /** What the next attempt opens: `probe` is a WebSocket with SockJS behind it. */
  get next(): 'sockjs' | 'websocket' | 'probe' {
    return this.#settled ?? 'probe';
  }

  /** A plain WebSocket carried a frame: the network lets them through. */
  webSocketCarried(): void {
    this.#silent = 0;
    if (this.option === 'auto') this.#settled = 'websocket';
  }

  /** An attempt's plain WebSocket closed without carrying a frame. */
  webSocketSilent(): void {
    if (this.option !== 'auto' || this.#settled !== 'websocket' || ++this.#silent < RETHINK_AFTER) return;
    this.#settled = undefined;
    this.#silent = 0;
  }

  /** After a probe that carried nothing, SockJS opened over its transport `sockjsTransport`. */
  sockJsOpenedAfterProbe(sockjsTransport: string): void {
    if (this.option === 'auto' && sockjsTransport !== 'websocket') this.#settled = 'sockjs';
  }
}

/**
 * Attempts in a row whose WebSocket carries nothing before a client settled on WebSockets asks
 * its network again. Not fewer: in a reconnect storm a swamped survivor lets two or three in a row
 * time out, and a probe then may land on the costlier SockJS for nothing.
 */
const RETHINK_AFTER = 5;

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
  socket.addEventListener('open', () => hooks.onOpen());
  if (next === 'websocket') {
    let carried = false;
    socket.addEventListener('message', () => {
      if (!carried) choice.webSocketCarried();
      carried = true;
    });
    socket.addEventListener('close', () => {
      if (!carried) choice.webSocketSilent();
    });
  }
  return socket;
}

/** The endpoint of a gateway (its base URL, '' for the page's origin) for a transport option. */
export function endpointUrl(gatewayUrl: string, transport: TransportOption): string {
  return transport === 'websocket' ? webSocketUrlOf(`${gatewayUrl}/ws`) : `${gatewayUrl}/ws`;
}

/** `<sockjs url>/websocket` as a ws(s):// URL, resolved against the page for a relative one. */
export function webSocketUrlOf(sockjsUrl: string): string {
  const url = new URL(sockjsUrl, globalThis.location?.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/websocket`;
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
 * stompjs sees the messages and the close of whichever socket it ends up on, never the probe's
 * failure. A probe that opened and then carried nothing has had stompjs's CONNECT: SockJS's open
 * is passed on as another open, and stompjs sends its CONNECT again there.
 */
class WebSocketFirst implements IStompSocket {
  onopen: IStompSocket['onopen'] = null;
  onclose: IStompSocket['onclose'] = null;
  onerror: IStompSocket['onerror'] = null;
  onmessage: IStompSocket['onmessage'] = null;
  #binaryType = 'arraybuffer';
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
    let carried = false;
    probe.onopen = (event) => {
      hooks.onOpen();
      this.onopen?.(event);
    };
    probe.onmessage = (event) => {
      if (!carried) {
        carried = true;
        clearTimeout(this.#probeTimer);
        this.choice.webSocketCarried();
      }
      this.onmessage?.(event);
    };
    // A probe that fails fires error, then close: the close decides.
    probe.onerror = () => {};
    probe.onclose = (event) => {
      clearTimeout(this.#probeTimer);
      if (carried || this.#closed) this.onclose?.(event);
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

  get binaryType(): string {
    return this.#binaryType;
  }

  set binaryType(type: string) {
    this.#binaryType = type;
    this.#socket.binaryType = type as BinaryType;
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
      this.choice.sockJsOpenedAfterProbe(transportOf(socket));
      this.hooks.onOpen();
      this.onopen?.(event);
    };
    socket.onmessage = (event) => this.onmessage?.(event);
    socket.onerror = (event) => this.onerror?.(event);
    socket.onclose = (event) => this.onclose?.(event);
  }
}
