import { Client } from '@stomp/stompjs';
import { GatewayList, type GatewayOutcome } from './gateway-list.js';
import { endpointUrl, openSocket, TransportChoice, type TransportOption } from './socket-transport.js';
import type { LinkLoss, StompConnector } from './stomp-link.js';

export interface SocketOptions {
  /**
   * Gateway endpoints, tried in turn: SockJS endpoints such as '/ws', or for
   * `transport: 'websocket'` ws(s):// URLs such as 'wss://host/ws/websocket'.
   */
  urls: readonly string[];
  /** See TransportOption: `auto` is a plain WebSocket, or SockJS where WebSockets are blocked. */
  transport: TransportOption;
  /** STOMP heart-beats both ways; a server silent for longer (plus stompjs's grace) counts as lost. */
  heartbeatMs: number;
  /**
   * An attempt without CONNECTED by then is abandoned. Counted afresh when a probe of transport
   * `auto` gives way to SockJS (a new socket, which may need as long).
   */
  connectTimeoutMs: number;
  /**
   * A subscription without RECEIPT by then ends the attempt as lost (the client reconnects),
   * counted from when the SENDs sent before it were answered: the gateway answers in order.
   */
  receiptTimeoutMs: number;
}

// After an ERROR frame the server closes the socket; the close carries the code that says why.
const CLOSE_AFTER_ERROR_MS = 1000;

/**
 * The library's defaults (createRealtimeClient).
 *
 * The connect timeout is gRPC's minimum connect timeout, 20 s. Giving an attempt up helps only
 * where another gateway can take it; at a survivor swamped by a dead gateway's clients it puts
 * the attempt at the back of the same queue and throws away the work already done on it (at 10 s
 * the failover bench had thousands give up together, and the survivor then spent seconds on the
 * connections they left: docs/benchmarks.md). A gateway that is down still fails fast when it
 * refuses or, draining, answers 503; one whose host is gone without a word now holds an attempt
 * 20 s (25 s behind the probe of `auto`) instead of 10 s before the next gateway is tried.
 */
export const SOCKET_DEFAULTS = {
  transport: 'auto',
  heartbeatMs: 10_000,
  connectTimeoutMs: 20_000,
  receiptTimeoutMs: 5_000,
} as const satisfies Omit<SocketOptions, 'urls'>;

/** What a caller may give: any option, `urls` to move between gateways, or `url` for one. */
export type SocketChoices = Partial<SocketOptions> & { url?: string };

/**
 * The options a client connects with: SOCKET_DEFAULTS under what the caller gave, at the
 * gateway endpoint of `baseUrl` unless `urls` or `url` name others.
 */
export function socketOptions(given: SocketChoices, baseUrl: string): SocketOptions {
  const { url, urls, ...rest } = given;
  // An option given as undefined (a caller's `{ connectTimeoutMs: config.timeout }`) keeps its default.
  const chosen: Partial<SocketOptions> = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const options: Omit<SocketOptions, 'urls'> = { ...SOCKET_DEFAULTS, ...chosen };
  return { ...options, urls: urls?.length ? urls : [url ?? endpointUrl(baseUrl, options.transport)] };
}

/**
 * How long SockJS lets each transport try to open before it falls back to the next, and how long
 * the probe of transport `auto` waits for its WebSocket. SockJS's own guess is a few round trips
 * of its `/info` request, well under a second: when thousands of clients reconnect to a gateway
 * at once, `/info` is answered at once but the WebSocket waits its turn behind the sessions being
 * set up, so SockJS gave up working WebSockets for streaming sessions and then the whole attempt
 * ("All transports failed"), each abandoned try adding work to the gateway it was waiting on
 * (docs/benchmarks.md, failover). Half the attempt, up to 5 s: a WebSocket has that long, and a
 * network that silently blocks WebSockets still gets to a fallback in time.
 */
function transportTimeoutMs(connectTimeoutMs: number): number {
  return Math.min(connectTimeoutMs / 2, 5_000);
}

/**
 * Connection attempts on @stomp/stompjs: one stompjs Client per attempt, to the current gateway
 * of the list; an attempt that fails or ends moves the next one to the next gateway (see
 * GatewayList for which). An attempt given up on a gateway that had answered is reported `slow`.
 */
export function stompjsConnector(options: SocketOptions & { random?: () => number }): StompConnector {
  const gateways = new GatewayList(options.urls, options.random ?? Math.random);
  const choice = new TransportChoice(options.transport);
  const transportMs = transportTimeoutMs(options.connectTimeoutMs);
  return (connectHeaders, handlers) => {
    const url = gateways.current;
    let ended = false;
    let connected = false;
    // The socket opened: the gateway is up, whatever happens next.
    let opened = false;
    let errorMessage: string | undefined;
    let errorTimer: ReturnType<typeof setTimeout> | undefined;
    let startedAt = Date.now();
    // Not stompjs's connectionTimeout: it discards the socket and reports a close code it makes
    // up (4001), so a gateway merely too busy to answer in time read as a close from the gateway.
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    const startConnectTimer = () => {
      clearTimeout(connectTimer);
      connectTimer = setTimeout(
        () => lose({ reason: `no CONNECTED within ${options.connectTimeoutMs} ms`, ...(opened ? { slow: true } : {}) }),
        options.connectTimeoutMs,
      );
    };
    startConnectTimer();
    // Every RECEIPT the link waits for, by receipt id: stompjs's own watchers cannot be removed,
    // and a SEND answered by a user error instead must leave nothing behind.
    const receiptWatchers = new Map<string, () => void>();
    // SENDs waiting for their RECEIPT: a link that ends will never bring it.
    const awaitingReceipt = new Map<string, { fail: (reason: Error) => void; answered: Promise<void> }>();
    const end = () => {
      ended = true;
      clearTimeout(connectTimer);
      clearTimeout(errorTimer);
      for (const { fail } of [...awaitingReceipt.values()]) fail(new Error('the connection ended before the RECEIPT'));
    };
    const lose = (loss: Omit<LinkLoss, 'connected' | 'errorMessage'>) => {
      if (ended) return;
      end();
      gateways.failed(outcomeOf(loss, opened, connected, Date.now() - startedAt >= transportMs));
      handlers.onLost({ ...loss, connected, ...(errorMessage === undefined ? {} : { errorMessage }) });
      void client.deactivate();
    };
    const client = new Client({
      webSocketFactory: () =>
        openSocket(url, choice, {
          sockjsTransportTimeoutMs: transportMs,
          // As long as SockJS gives its own WebSocket transport, for the same reason.
          probeMs: transportMs,
          onOpen: () => {
            opened = true;
          },
          onFallback: () => {
            if (ended) return;
            startedAt = Date.now();
            startConnectTimer();
          },
        }),
      connectHeaders,
      // The realtime client reconnects by itself, with jittered backoff and a fresh token.
      reconnectDelay: 0,
      heartbeatIncoming: options.heartbeatMs,
      heartbeatOutgoing: options.heartbeatMs,
      // On missed heart-beats, report the loss now rather than after a close handshake that a
      // dead network never completes.
      discardWebsocketOnCommFailure: true,
      // No receipt is watched through stompjs (see receiptWatchers): every RECEIPT comes here.
      onUnhandledReceipt: (frame) => {
        const id = frame.headers['receipt-id'] ?? '';
        const watcher = receiptWatchers.get(id);
        receiptWatchers.delete(id);
        watcher?.();
      },
      onConnect: () => {
        clearTimeout(connectTimer);
        connected = true;
        if (!ended) handlers.onConnected();
      },
      onStompError: (frame) => {
        errorMessage = frame.headers.message ?? 'no message';
        errorTimer ??= setTimeout(() => lose({ reason: `ERROR frame: ${errorMessage}` }), CLOSE_AFTER_ERROR_MS);
      },
      onWebSocketClose: (event: { code?: number; reason?: string }) =>
        lose({
          reason: errorMessage === undefined ? `socket closed (${event.code})` : `ERROR frame: ${errorMessage}`,
          ...(event.code === undefined ? {} : { code: event.code }),
          ...(event.reason ? { closeReason: event.reason } : {}),
        }),
    });
    client.activate();

    let receipts = 0;
    return {
      subscribe(destination, onMessage) {
        const receipt = `subscribed-${++receipts}`;
        // The gateway handles a session's frames in order, so a SUBSCRIBE sent behind SENDs that
        // wait on the api (up to its timeout, 10 s) is answered only after them: its time starts
        // once they are answered, or a slow api would read as a slow link and end in reconnects.
        const ahead = [...awaitingReceipt.values()].map(({ answered }) => answered);
        // The catch-up sync waits for this: until the server has the subscription, a message
        // could be missed by both the sync and the socket. No RECEIPT in time means the link is
        // not working, so it is reported lost (and retried) rather than assumed fine.
        const confirmed = new Promise<void>((resolve) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          let received = false;
          receiptWatchers.set(receipt, () => {
            received = true;
            clearTimeout(timer);
            resolve();
          });
          void Promise.all(ahead).then(() => {
            if (received) return;
            timer = setTimeout(() => {
              lose({ reason: `no RECEIPT for ${destination} within ${options.receiptTimeoutMs} ms`, slow: true });
              resolve();
            }, options.receiptTimeoutMs);
          });
        });
        const subscription = client.subscribe(destination, (message) => onMessage(message.body, message.headers), { receipt });
        return {
          confirmed,
          unsubscribe: () => {
            if (client.connected) subscription.unsubscribe();
          },
        };
      },
      send(destination, body, receipt) {
        if (ended || !client.connected) return Promise.reject(new Error('not connected'));
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (receipt === undefined) {
          client.publish({ destination, body, headers });
          return Promise.resolve();
        }
        return new Promise<void>((resolve, reject) => {
          let answer = () => {};
          const answered = new Promise<void>((done) => (answer = done));
          const settle = (outcome: () => void) => {
            awaitingReceipt.delete(receipt);
            receiptWatchers.delete(receipt);
            answer();
            outcome();
          };
          awaitingReceipt.set(receipt, { fail: (reason) => settle(() => reject(reason)), answered });
          receiptWatchers.set(receipt, () => settle(resolve));
          client.publish({ destination, body, headers: { ...headers, receipt } });
        });
      },
      refused(receipt, error) {
        awaitingReceipt.get(receipt)?.fail(error);
      },
      close() {
        end();
        void client.deactivate();
      },
    };
  };
}

// A gateway that opened the socket and then did not take the session (too slow, over a limit, a
// dependency down) is up: the list must not prefer a gateway that failed outright to it. Nor is
// one that let the attempt wait a transport's time or more before it failed (SockJS's /info
// timeout, 8 s, or ours) known to be down: a dead gateway refuses within milliseconds and a
// draining one answers 503 as fast, while a survivor swamped by a reconnect storm queues what it
// has no time for yet.
function outcomeOf(loss: Omit<LinkLoss, 'connected' | 'errorMessage'>, opened: boolean, connected: boolean, waited: boolean): GatewayOutcome {
  return loss.slow || (!connected && (opened || waited)) ? 'busy' : 'failed';
}
