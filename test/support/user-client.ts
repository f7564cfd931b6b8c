import { RealtimeClient, type ConnectionState } from '../../client/src/realtime-client.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';
import { systemClock } from '../../client/src/clock.js';
import type { StompConnector } from '../../client/src/stomp-link.js';
import type { ChatMessage } from '../../client/src/wire.js';
import { issueToken } from '../../src/auth/jwt.js';
import { JWT_SECRET } from './services.js';

export interface UserClient {
  client: RealtimeClient;
  /** The chat as the user sees it: the library's store for the trade. */
  messages(tradeId: string): readonly ChatMessage[];
  states: ConnectionState[];
  stop(): void;
}

/**
 * What a user runs: the project's browser client library (socket first, polling fallback,
 * resync), here in Node over SockJS. Each connection attempt goes to the next gateway in
 * `gatewayUrls`, as a load balancer in front of the gateways would spread reconnects.
 */
export async function startUserClient(userId: string, options: { apiUrl: string; gatewayUrls: string[]; tradeIds: string[] }): Promise<UserClient> {
  let attempt = 0;
  const connector: StompConnector = (headers, handlers) =>
    stompjsConnector({
      urls: [`${options.gatewayUrls[attempt++ % options.gatewayUrls.length]}/ws`],
      transport: 'sockjs',
      heartbeatMs: 2_000,
      connectTimeoutMs: 3_000,
      receiptTimeoutMs: 3_000,
    })(headers, handlers);
  const client = new RealtimeClient(
    { userId, getToken: () => issueToken(JWT_SECRET, userId), baseUrl: options.apiUrl, pollIntervalMs: 2_000, reconnect: { baseMs: 200, maxMs: 2_000 } },
    { connector, fetch: (url, init) => fetch(url, init), clock: systemClock, random: Math.random },
  );
  const states: ConnectionState[] = [];
  client.on('connection', (state) => states.push(state));
  client.start();
  for (const tradeId of options.tradeIds) await client.watchTrade(tradeId);
  return { client, messages: (tradeId) => client.messages(tradeId), states, stop: () => client.stop() };
}
