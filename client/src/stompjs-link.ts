import { Client } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import type { StompConnector } from './stomp-link.js';

export interface SocketOptions {
  /** SockJS endpoint such as '/ws', or for `transport: 'websocket'` a ws(s):// URL such as 'wss://host/ws/websocket'. */
  url: string;
  transport: 'sockjs' | 'websocket';
  /** STOMP heart-beats both ways; a server silent for longer (plus stompjs's grace) counts as lost. */
  heartbeatMs: number;
  /** An attempt without CONNECTED by then is abandoned. */
  connectTimeoutMs: number;
  /** A subscription without RECEIPT by then ends the attempt as lost (the client reconnects). */
  receiptTimeoutMs: number;
}

/** Connection attempts on @stomp/stompjs: one stompjs Client per attempt. */
export function stompjsConnector(options: SocketOptions): StompConnector {
  return (connectHeaders, handlers) => {
    let ended = false;
    const lose = (reason: string) => {
      if (ended) return;
      ended = true;
      handlers.onLost(reason);
      void client.deactivate();
    };
    const client = new Client({
      ...(options.transport === 'sockjs' ? { webSocketFactory: () => new SockJS(options.url) } : { brokerURL: options.url }),
      connectHeaders,
      // The realtime client reconnects by itself, with jittered backoff and a fresh token.
      reconnectDelay: 0,
      heartbeatIncoming: options.heartbeatMs,
      heartbeatOutgoing: options.heartbeatMs,
      connectionTimeout: options.connectTimeoutMs,
      // On missed heart-beats, report the loss now rather than after a close handshake that a
      // dead network never completes.
      discardWebsocketOnCommFailure: true,
      onConnect: () => {
        if (!ended) handlers.onConnected();
      },
      onStompError: (frame) => lose(`ERROR frame: ${frame.headers.message ?? 'no message'}`),
      onWebSocketClose: (event) => lose(`socket closed (${event.code})`),
    });
    client.activate();

    let receipts = 0;
    return {
      subscribe(destination, onBody) {
        const receipt = `subscribed-${++receipts}`;
        // The catch-up sync waits for this: until the server has the subscription, a message
        // could be missed by both the sync and the socket. No RECEIPT in time means the link is
        // not working, so it is reported lost (and retried) rather than assumed fine.
        const confirmed = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            lose(`no RECEIPT for ${destination} within ${options.receiptTimeoutMs} ms`);
            resolve();
          }, options.receiptTimeoutMs);
          client.watchForReceipt(receipt, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        const subscription = client.subscribe(destination, (message) => onBody(message.body), { receipt });
        return {
          confirmed,
          unsubscribe: () => {
            if (client.connected) subscription.unsubscribe();
          },
        };
      },
      close() {
        ended = true;
        void client.deactivate();
      },
    };
  };
}
