import { Counter, Gauge, type Registry } from 'prom-client';
import type { TransportKind } from '../transport/client-connection.js';

/** Why the gateway ended a session with an ERROR frame, or dropped it. */
export type SessionEndReason =
  | 'protocol'
  | 'auth'
  | 'forbidden'
  | 'rejected'
  | 'unsupported'
  | 'limit'
  | 'unavailable'
  | 'internal'
  | 'connect-timeout'
  | 'heartbeat-timeout'
  | 'token-expired';

export interface GatewayStats {
  connections: Record<TransportKind, number>;
  subscriptions: number;
  consuming: boolean;
  /** Parties held here (grace periods included), and other gateways heard from within their TTL. */
  presence: { held: number; peers: number };
}

/** The gateway's series, on the system's registry; gauges are read from `stats` at scrape time. */
export function createGatewayMetrics(registry: Registry, stats: () => GatewayStats) {
  return {
    connections: new Gauge({
      name: 'gateway_connections',
      help: 'Open client connections, by transport',
      labelNames: ['transport'],
      registers: [registry],
      collect() {
        for (const [transport, open] of Object.entries(stats().connections)) this.set({ transport }, open);
      },
    }),
    subscriptions: new Gauge({
      name: 'gateway_subscriptions',
      help: 'Active STOMP subscriptions',
      registers: [registry],
      collect() {
        this.set(stats().subscriptions);
      },
    }),
    consumersReady: new Gauge({
      name: 'gateway_consumers_ready',
      help: '1 when the gateway consumes its event queues',
      registers: [registry],
      collect() {
        this.set(stats().consuming ? 1 : 0);
      },
    }),
    presenceHeld: new Gauge({
      name: 'gateway_presence_held',
      help: '(trade, party) pairs this gateway holds online: a chat subscription here, or its grace period',
      registers: [registry],
      collect() {
        this.set(stats().presence.held);
      },
    }),
    presencePeers: new Gauge({
      name: 'gateway_presence_peers',
      help: 'Other gateways whose presence announcements this one holds (heard from within their TTL)',
      registers: [registry],
      collect() {
        this.set(stats().presence.peers);
      },
    }),
    messagesDelivered: new Counter({
      name: 'gateway_messages_delivered_total',
      help: 'MESSAGE frames handed to client connections',
      registers: [registry],
    }),
    slowClientDisconnects: new Counter({
      name: 'gateway_slow_client_disconnects_total',
      help: 'Connections dropped because their unsent data passed the limit',
      labelNames: ['transport'],
      registers: [registry],
    }),
    sessionErrors: new Counter({
      name: 'gateway_session_errors_total',
      // reason="auth" counts refused tokens.
      help: 'Sessions the gateway ended with an ERROR frame or dropped, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
