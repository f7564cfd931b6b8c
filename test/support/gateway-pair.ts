import { startGatewayTestSystem, startSecondGateway, type GatewayTestSystem, type Listening } from './gateway-harness.js';
import { StompTestClient } from './stomp-clients.js';

/** connect(gateway, auth) for a suite: plain-WebSocket @stomp/stompjs clients, disconnected after each test. */
export function useStompClients() {
  const clients: StompTestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  });
  return async (gateway: Listening, auth: string) => {
    const client = await StompTestClient.connect(gateway.baseUrl, 'websocket', { authorization: auth });
    clients.push(client);
    return client;
  };
}

/**
 * Two gateways on one RabbitMQ exchange and database for a suite: `first` a role-`all` system
 * (api included), `second` a separate role-`gateway` system; `env` tunes both.
 */
export function useGatewayPair(env: Record<string, string> = {}) {
  const pair = {} as { first: GatewayTestSystem; second: Awaited<ReturnType<typeof startSecondGateway>> };
  before(async () => {
    pair.first = await startGatewayTestSystem({ db: 'postgres', bus: 'rabbitmq' }, env);
    pair.second = await startSecondGateway(pair.first, env);
  });
  after(async () => {
    await pair.second?.close();
    await pair.first?.close();
  });
  return pair;
}
