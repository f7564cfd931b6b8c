import assert from 'node:assert/strict';
import { systemClock } from '../../client/src/clock.js';
import { RealtimeClient, type ConnectionState, type RealtimeEvents } from '../../client/src/realtime-client.js';
import type { Fetch } from '../../client/src/rest-api.js';
import type { StompConnector } from '../../client/src/stomp-link.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';
import { issueToken } from '../../src/auth/jwt.js';
import { eventually, sleep } from '../support/eventually.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { JWT_SECRET } from '../support/services.js';
import { DRIVER_SETS, openTrade } from '../support/system.js';

const nodeFetch: Fetch = (url, init) => fetch(url, init);

/** The library's client in Node, on real timers, fetch and @stomp/stompjs over SockJS. */
function startClient(
  t: GatewayTestSystem,
  userId: string,
  options: {
    urls?: string[];
    getToken?: () => string;
    fetch?: Fetch;
    random?: () => number;
  } = {},
) {
  let attempts = 0;
  const connect = stompjsConnector({
    urls: options.urls ?? [`${t.baseUrl}/ws`],
    transport: 'sockjs',
    heartbeatMs: 2_000,
    connectTimeoutMs: 3_000,
    receiptTimeoutMs: 3_000,
    random: options.random ?? (() => 0),
  });
  const connector: StompConnector = (headers, handlers) => {
    attempts += 1;
    return connect(headers, handlers);
  };
  const client = new RealtimeClient(
    { userId, getToken: options.getToken ?? (() => t.token(userId)), baseUrl: t.baseUrl, reconnect: { baseMs: 100, maxMs: 500 } },
    { connector, fetch: options.fetch ?? nodeFetch, clock: systemClock, random: Math.random },
  );
  const states: ConnectionState[] = [];
  const authRequired: RealtimeEvents['auth-required'][] = [];
  client.on('connection', (s) => states.push(s));
  client.on('auth-required', (a) => authRequired.push(a));
  client.start();
  return { client, states, authRequired, attempts: () => attempts };
}

/** A SockJS endpoint that answers nothing but 404 (a free port could be taken by another run's server). */
const deadGateway = (t: GatewayTestSystem) => `${t.baseUrl}/no-gateway-here`;

/** The gateway's open connections, from its metrics. */
async function openSessions(t: GatewayTestSystem): Promise<number> {
  const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
  return [...metrics.matchAll(/^gateway_connections\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

for (const drivers of DRIVER_SETS) {
  describe(`client library against a real api and gateway (${drivers.name})`, function () {
    this.timeout(30_000);
    let t: GatewayTestSystem;
    const clients: RealtimeClient[] = [];

    before(async () => {
      // No leeway: a session the client did not renew is ended as soon as its token expires.
      t = await startGatewayTestSystem(drivers, { GATEWAY_TOKEN_LEEWAY_MS: '0' });
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.stop();
    });
    after(async () => {
      await t?.close();
    });

    it('moves on from a gateway URL that does not answer to the next in its list', async () => {
      const user = uniqueUser('buyer');
      // random 0: the list starts at the dead gateway.
      const c = startClient(t, user, { urls: [deadGateway(t), `${t.baseUrl}/ws`] });
      clients.push(c.client);
      await eventually(() => assert.equal(c.client.state, 'live'), 15_000);
      assert.ok(c.attempts() >= 2, `attempts: ${c.attempts()}`);
    });

    it('stops with auth-required when the gateway refuses the token at CONNECT, without retrying', async () => {
      const user = uniqueUser('buyer');
      // REST gets a good token, so the refusal seen is the gateway's.
      const good = t.token(user);
      const fetch: Fetch = (url, init) => nodeFetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${good}` } });
      const c = startClient(t, user, { getToken: () => issueToken(`not-${JWT_SECRET}`, user), fetch });
      clients.push(c.client);
      await eventually(() => assert.deepEqual(c.authRequired, [{ reason: 'refused' }]), 10_000);
      await sleep(1_500);
      assert.equal(c.attempts(), 1);
      assert.equal(c.client.state, 'offline');
    });

    it('with no socket, follows chat and new trades through long-polled GET /p2p/sync alone', async () => {
      const [buyer, seller, other] = [uniqueUser('buyer'), uniqueUser('seller'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const requests: string[] = [];
      const fetch: Fetch = (url, init) => {
        requests.push(`${init.method} ${new URL(url).pathname}${new URL(url).searchParams.has('wait') ? ' (long)' : ''}`);
        return nodeFetch(url, init);
      };
      // The only gateway is gone: the client polls from start to end.
      const c = startClient(t, buyer, { urls: [deadGateway(t)], fetch });
      clients.push(c.client);
      const opened: string[] = [];
      c.client.on('status', (s) => opened.push(s.tradeId));
      await c.client.watchTrade(tradeId);
      await eventually(() => assert.ok(requests.includes('GET /p2p/sync (long)'), `${c.client.state}: ${requests.join(', ')}`), 10_000);
      requests.length = 0;

      const send = (text: string) =>
        nodeFetch(`${t.baseUrl}/p2p/trades/${tradeId}/chat`, {
          method: 'POST',
          headers: { Authorization: t.auth(seller), 'Content-Type': 'application/json' },
          body: JSON.stringify({ message: text }),
        });
      assert.equal((await send('while the socket is down')).status, 201);
      await eventually(
        () =>
          assert.deepEqual(
            c.client.messages(tradeId).map((m) => m.message),
            ['while the socket is down'],
          ),
        5_000,
      );
      const newTrade = await openTrade(t, buyer, other);
      await eventually(() => assert.ok(opened.includes(newTrade), 'the trade opened meanwhile is reported'), 5_000);
      await sleep(1_000);

      assert.ok(requests.length > 0 && requests.every((r) => r === 'GET /p2p/sync (long)'), requests.join(', '));
      // Two answers (the message, the trade) and the long polls after them, not a poll per resource.
      assert.ok(requests.length <= 4, requests.join(', '));
      assert.equal(c.client.state, 'polling');
    });

    it("stays on one live connection following 25 trades and a room, within the gateway's 100 subscriptions per connection", async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeIds: string[] = [];
      for (let i = 0; i < 25; i++) tradeIds.push(await openTrade(t, buyer, seller));
      const c = startClient(t, buyer);
      clients.push(c.client);
      await eventually(() => assert.equal(c.client.state, 'live'), 10_000);
      for (const tradeId of tradeIds) await c.client.watchTrade(tradeId);
      await c.client.watchTrade(tradeIds[0]!, { room: true });
      const last = tradeIds.at(-1)!;
      await t.http.post(`/p2p/trades/${last}/chat`).set('Authorization', t.auth(seller)).send({ message: 'the 25th trade' }).expect(201);
      await eventually(
        () =>
          assert.deepEqual(
            c.client.messages(last).map((m) => m.message),
            ['the 25th trade'],
          ),
        5_000,
      );
      assert.deepEqual(c.states.slice(c.states.indexOf('live')), ['live'], 'the gateway refused a subscription and closed the connection');
      assert.equal(c.attempts(), 1);
    });

    it('retries a send whose answer was lost with its clientMessageId: the api stores it once', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const sends: { status: number; key: string }[] = [];
      const fetch: Fetch = async (url, init) => {
        const response = await nodeFetch(url, init);
        if (init.method !== 'POST' || !url.endsWith('/chat')) return response;
        sends.push({ status: response.status, key: (JSON.parse(init.body ?? '{}') as { clientMessageId: string }).clientMessageId });
        // The first answer is lost on the way back: the write happened, the client cannot know.
        if (sends.length === 1) throw new TypeError('fetch failed');
        return response;
      };
      const c = startClient(t, buyer, { fetch });
      clients.push(c.client);
      await c.client.watchTrade(tradeId);
      const sent = await c.client.sendMessage(tradeId, 'Chỉ một lần thôi');
      assert.deepEqual(
        sends.map((s) => s.status),
        [201, 200],
      );
      assert.equal(sends[1]!.key, sends[0]!.key);
      const stored = (await (await globalThis.fetch(`${t.baseUrl}/p2p/trades/${tradeId}/chat`, { headers: { Authorization: t.auth(seller) } })).json()) as {
        id: string;
      }[];
      assert.deepEqual(
        stored.map((m) => m.id),
        [sent.id],
      );
    });

    it('moves to a session on a new token before the gateway ends the old one: never leaves live, sees each message once', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const c = startClient(t, buyer, { getToken: () => issueToken(JWT_SECRET, buyer, { expiresIn: '4s' }) });
      clients.push(c.client);
      await eventually(() => assert.equal(c.client.state, 'live'), 10_000);
      await c.client.watchTrade(tradeId);
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${t.baseUrl}/p2p/trades/${tradeId}/chat`, {
          method: 'POST',
          headers: { Authorization: t.auth(seller), 'Content-Type': 'application/json' },
          body: JSON.stringify({ message: `m${i}` }),
        });
        assert.equal(res.status, 201);
        sent.push(`m${i}`);
        await sleep(500);
      }
      assert.ok(c.attempts() >= 2, `renewed: ${c.attempts()} sessions`);
      await eventually(
        () =>
          assert.deepEqual(
            c.client.messages(tradeId).map((m) => m.message),
            sent,
          ),
        10_000,
      );
      assert.deepEqual(c.states.slice(c.states.indexOf('live')), ['live']);
      assert.deepEqual(c.authRequired, []);
      // Each old session was closed once the new one took over.
      await eventually(async () => assert.equal(await openSessions(t), 1), 5_000);
    });

    it('when getToken() has nothing newer, the gateway ends the session at expiry and the client asks for login once', async () => {
      const user = uniqueUser('buyer');
      const token = issueToken(JWT_SECRET, user, { expiresIn: '2s' });
      const c = startClient(t, user, { getToken: () => token });
      clients.push(c.client);
      await eventually(() => assert.equal(c.client.state, 'live'), 10_000);
      await eventually(() => assert.deepEqual(c.authRequired, [{ reason: 'expired' }]), 10_000);
      await sleep(1_500);
      assert.equal(c.attempts(), 1, 'no reconnect with the expired token');
      assert.deepEqual(c.authRequired, [{ reason: 'expired' }]);
      assert.equal(c.client.state, 'offline');
    });
  });
}
