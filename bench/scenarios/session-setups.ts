import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@stomp/stompjs';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import type { BenchContext } from '../context.js';
import { cpuTimeMs } from '../infra/proc.js';
import { bearer } from '../infra/rest-client.js';
import { launchRole } from '../servers/roles.js';

export type SetupTransport = 'websocket' | 'sockjs-websocket';

export interface SessionSetupsRun {
  transport: SetupTransport;
  sessions: number;
  /** Gateway CPU per session set up: handshake(s), CONNECT, three subscriptions with receipts (ms). */
  gatewayCpuMsPerSession: number;
  wallMs: number;
}

export interface SessionSetupsResult {
  concurrency: number;
  /** The measured rounds, after one warm-up round of each transport. */
  runs: SessionSetupsRun[];
}

// Pause after closing a round's sessions, so their close handshakes are not billed to the next.
const SETTLE_MS = 2_000;

/**
 * What one session costs the gateway to set up, by transport: what a failover storm is made of
 * (docs/benchmarks.md, "Failover on a slower machine"). Each session is a real @stomp/stompjs
 * client, as the client library uses it, that connects and subscribes to its three user
 * destinations with receipts (no trade: no database read, the transport's share stands out).
 * Plain WebSocket is the baseline; SockJS over its websocket transport, the client library's
 * default in browsers, also fetches `/info` first and runs through `sockjs` and faye-websocket.
 * The transports take turns, a warm-up round each first, in one gateway process.
 */
export async function runSessionSetups(ctx: BenchContext): Promise<SessionSetupsResult> {
  const { sessions, concurrency } = ctx.plan.sessionSetups;
  ctx.log('session set-ups: starting a gateway');
  const gateway = await launchRole(ctx, 'gateway', 'gateway-setups', { GATEWAY_MAX_CONNECTIONS_PER_USER: String(sessions) });
  const runs: SessionSetupsRun[] = [];
  try {
    let round = 0;
    for (const [measured, transport] of [false, true].flatMap((m) => (['websocket', 'sockjs-websocket'] as const).map((t) => [m, t] as const))) {
      round++;
      const clients: Client[] = [];
      const before = cpuTimeMs(gateway.pid);
      const started = performance.now();
      for (let i = 0; i < sessions; i += concurrency) {
        const batch = Array.from({ length: Math.min(concurrency, sessions - i) }, (_, j) => setUp(gateway.baseUrl, transport, `bench-setup-${round}-${i + j}`));
        clients.push(...(await Promise.all(batch)));
      }
      const run = { transport, sessions, gatewayCpuMsPerSession: (cpuTimeMs(gateway.pid) - before) / sessions, wallMs: performance.now() - started };
      if (measured) runs.push(run);
      ctx.log(`session set-ups: ${transport}${measured ? '' : ' (warm-up)'}: ${run.gatewayCpuMsPerSession.toFixed(3)} ms of gateway CPU per session`);
      await Promise.all(clients.map((c) => c.deactivate()));
      await sleep(SETTLE_MS);
    }
  } finally {
    await gateway.stop();
  }
  return { concurrency, runs };
}

function setUp(gatewayUrl: string, transport: SetupTransport, userId: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client({
      webSocketFactory: () =>
        transport === 'websocket'
          ? new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/ws/websocket`)
          : new SockJS(`${gatewayUrl}/ws`, undefined, { transports: ['websocket'] }),
      connectHeaders: { Authorization: bearer(userId) },
      reconnectDelay: 0,
      heartbeatIncoming: 10_000,
      heartbeatOutgoing: 10_000,
      debug: () => {},
      onConnect: () => {
        const wanted = [userDestinations.errors, destinations.userTrades(userId), destinations.userNotifications(userId)];
        let confirmed = 0;
        for (const destination of wanted) {
          client.watchForReceipt(destination, () => ++confirmed === wanted.length && resolve(client));
          client.subscribe(destination, () => {}, { receipt: destination });
        }
      },
      onStompError: (frame) => reject(new Error(`ERROR: ${frame.headers.message}`)),
      onWebSocketClose: () => reject(new Error('socket closed before the subscriptions were confirmed')),
    });
    client.activate();
  });
}
