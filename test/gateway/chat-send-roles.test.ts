import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appDestinations, MAX_SENDS_IN_FLIGHT } from '../../src/contract/app-destinations.js';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import { openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { AMQP_URL, JWT_SECRET } from '../support/services.js';
import { startSecondGateway, uniqueUser } from '../support/gateway-harness.js';
import { StompTestClient, TWO_TRANSPORTS, type Inbox } from '../support/stomp-clients.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
import { eventually } from '../support/eventually.js';

const CHAT_LIMIT = 3;

async function listenOn(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}

// The production topology: the api and a gateway as separate systems, each with its own
// PostgreSQL pool and RabbitMQ connection; the gateway reaches the api only at API_URL.
describe('gateway: chat SEND handed to a separate api role at API_URL (postgres + rabbitmq)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  const amqp = uniqueAmqpNames();
  let api: TestSystem;
  let apiServer: Server | undefined;
  let apiUrl: string;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    database = await createTestDatabase('postgres');
    api = await startTestSystem(
      { db: 'postgres', bus: 'rabbitmq' },
      {
        role: 'api',
        env: { DATABASE_URL: database.url!, AMQP_URL, JWT_SECRET, CHAT_RATE_LIMIT_PER_MINUTE: String(CHAT_LIMIT) },
        shared: { databaseUrl: database.url!, amqp },
      },
    );
    apiServer = createServer(api.system.handler);
    apiUrl = await listenOn(apiServer);
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  after(async () => {
    if (apiServer) await stop(apiServer);
    await api?.close();
    await database?.dispose();
    await deleteAmqpNames(amqp).catch(() => {});
  });

  const gateway = async (env: Record<string, string>) => {
    const started = await startSecondGateway(api, env);
    closers.push(() => started.close());
    return started;
  };
  const connect = async (baseUrl: string, userId: string, kind = TWO_TRANSPORTS[0]!) => {
    const client = await StompTestClient.connect(baseUrl, kind, { authorization: api.auth(userId) });
    closers.push(() => client.disconnect());
    return client;
  };
  const storedChat = async (tradeId: string, userId: string) =>
    (await api.http.get(`/p2p/trades/${tradeId}/chat`).set('Authorization', api.auth(userId)).expect(200)).body as { senderId: string; message: string }[];
  const refusal = async (client: StompTestClient, errors: Inbox, destination: string, body: string) => {
    const before = errors.messages.length;
    client.publish(destination, body, { receipt: 'refused' });
    await eventually(() => assert.equal(errors.messages.length, before + 1));
    const error = errors.messages.at(-1)!;
    assert.equal(error.headers['receipt-id'], 'refused');
    return JSON.parse(error.body) as { error: string; message: string };
  };

  for (const kind of TWO_TRANSPORTS) {
    it(`stores a message sent over ${kind} through the api, as its user, receipted after the commit`, async () => {
      const { baseUrl } = await gateway({ API_URL: apiUrl });
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(api, buyer, seller);
      const sellerChat = await (await connect(baseUrl, seller, kind)).subscribe(destinations.tradeChat(tradeId));
      const buyerClient = await connect(baseUrl, buyer, kind);
      await buyerClient.send(appDestinations.chat(tradeId), JSON.stringify({ message: 'paid, check please' }));
      assert.deepEqual(
        (await storedChat(tradeId, seller)).map((m) => [m.senderId, m.message]),
        [[buyer, 'paid, check please']],
      );
      await eventually(() => assert.equal(sellerChat.bodies()[0]?.message, 'paid, check please'));
    });
  }

  it("shares the api's one chat rate limit between REST and socket sends: past it, the user error rate_limited, nothing stored", async () => {
    const { baseUrl } = await gateway({ API_URL: apiUrl });
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(api, buyer, seller);
    for (let i = 0; i < CHAT_LIMIT - 1; i++) {
      await api.http
        .post(`/p2p/trades/${tradeId}/chat`)
        .set('Authorization', api.auth(buyer))
        .send({ message: `rest ${i}` })
        .expect(201);
    }
    const client = await connect(baseUrl, buyer);
    const errors = await client.subscribe(userDestinations.errors);
    await client.send(appDestinations.chat(tradeId), JSON.stringify({ message: 'socket, last within the limit' }));
    const refused = await refusal(client, errors, appDestinations.chat(tradeId), JSON.stringify({ message: 'one too many' }));
    assert.equal(refused.error, 'rate_limited');
    assert.equal((await storedChat(tradeId, seller)).length, CHAT_LIMIT);
    assert.equal(client.isClosed, false);
  });

  it(`holds ${MAX_SENDS_IN_FLIGHT} SENDs waiting on a slow api beside a full burst of other frames; the next SEND is the user error rate_limited; all answered in order (raw frames)`, async () => {
    const silent = createServer(() => {});
    const silentUrl = await listenOn(silent);
    closers.push(() => stop(silent));
    const { baseUrl } = await gateway({ API_URL: silentUrl, API_TIMEOUT_MS: '300' });
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(api, buyer, seller);
    const socket = await RawStompSocket.open(baseUrl);
    closers.push(async () => socket.close());
    await socket.connect(api.auth(buyer));
    socket.send(frame('SUBSCRIBE', { id: 'errors', destination: userDestinations.errors, receipt: 'errors' }));
    await socket.next('RECEIPT');

    const sends = Array.from({ length: MAX_SENDS_IN_FLIGHT + 1 }, (_, i) =>
      frame('SEND', { destination: appDestinations.chat(tradeId), receipt: `send-${i}` }, JSON.stringify({ message: `m${i}` })),
    );
    // GATEWAY_MAX_SUBSCRIPTIONS (100) + 32 frames may wait besides the SENDs in flight; the refused
    // SEND waits among them. 99 SUBSCRIBEs (one subscription is taken) and 32 UNSUBSCRIBEs fill it.
    const others = [
      ...Array.from({ length: 99 }, (_, i) => frame('SUBSCRIBE', { id: `sub-${i}`, destination: destinations.tradeChat(tradeId), receipt: `other-${i}` })),
      ...Array.from({ length: 32 }, (_, i) => frame('UNSUBSCRIBE', { id: `none-${i}`, receipt: `other-${99 + i}` })),
    ];
    socket.send(sends.join('') + others.join(''));

    for (let i = 0; i < MAX_SENDS_IN_FLIGHT; i++) {
      const answer = await socket.next('MESSAGE');
      assert.equal(answer.headers['receipt-id'], `send-${i}`);
      assert.equal(JSON.parse(answer.body.toString()).error, 'unavailable');
    }
    const refused = await socket.next('MESSAGE');
    assert.equal(refused.headers['receipt-id'], `send-${MAX_SENDS_IN_FLIGHT}`);
    assert.equal(JSON.parse(refused.body.toString()).error, 'rate_limited');
    for (let i = 0; i < others.length; i++) assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], `other-${i}`);
    assert.equal(socket.closeCode, undefined);
  });

  it('answers unavailable, connection kept, when the api refuses connections, answers 503, does not answer in time, or is not configured', async () => {
    const silent = createServer(() => {});
    const silentUrl = await listenOn(silent);
    closers.push(() => stop(silent));
    // What the api answers when its database is down (src/http/unavailable.ts).
    const busy = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: 'database_unreachable', message: 'the database is unavailable; retry shortly' }));
    });
    const busyUrl = await listenOn(busy);
    closers.push(() => stop(busy));
    const refusing = createServer();
    const refusingUrl = await listenOn(refusing);
    await stop(refusing);

    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(api, buyer, seller);
    const envs: Record<string, string>[] = [{ API_URL: refusingUrl }, { API_URL: busyUrl }, { API_URL: silentUrl, API_TIMEOUT_MS: '300' }, {}];
    for (const env of envs) {
      const { baseUrl } = await gateway(env);
      const client = await connect(baseUrl, buyer);
      const errors = await client.subscribe(userDestinations.errors);
      const refused = await refusal(client, errors, appDestinations.chat(tradeId), JSON.stringify({ message: 'hello?' }));
      assert.equal(refused.error, 'unavailable', JSON.stringify(env));
      assert.equal(client.isClosed, false);
    }
    assert.deepEqual(await storedChat(tradeId, buyer), []);
  });
});
