import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../client/src/clock.js';
import { RealtimeClient } from '../../client/src/realtime-client.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { eventually, sleep } from '../support/eventually.js';
import { startSecondGateway, uniqueUser, type Listening } from '../support/gateway-harness.js';
import { AMQP_URL, JWT_SECRET } from '../support/services.js';
import { openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

// The catch-up after a reconnect meets the socket: what the gateway pushed before the new
// subscriptions were in place must come from that catch-up. It may not come from an api's
// memory, which hears of commits by events that can reach it after they reached the gateway
// (another api process's commit, an outbox row published by the relay's pass): the memory then
// says "nothing new" about a message the socket will never bring.
describe('a reconnect’s catch-up when the api’s memory is behind the gateway [postgres + rabbitmq]', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  const amqp = uniqueAmqpNames();
  let brokerLink: Awaited<ReturnType<typeof startTcpProxy>>;
  let socketLink: Awaited<ReturnType<typeof startTcpProxy>>;
  let writer: TestSystem;
  let reader: TestSystem;
  let readerServer: Server;
  let gateway: Listening & { close(): Promise<void> };
  let client: RealtimeClient | undefined;

  before(async () => {
    database = await createTestDatabase('postgres');
    const broker = new URL(AMQP_URL);
    brokerLink = await startTcpProxy(Number(broker.port || 5672), broker.hostname);
    const proxied = new URL(AMQP_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(brokerLink.port);
    const env = { DATABASE_URL: database.url!, AMQP_URL, JWT_SECRET };
    const shared = { databaseUrl: database.url!, amqp };
    writer = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' }, { role: 'api', env, shared });
    // The api the client polls and catches up through: its memory hears of the writer's commits
    // over a broker link the test can slow down.
    reader = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' }, { role: 'api', env, shared, amqpUrl: proxied.toString() });
    readerServer = createServer(reader.system.handler);
    await new Promise<void>((resolve) => readerServer.listen(0, '127.0.0.1', resolve));
    gateway = await startSecondGateway(writer);
    socketLink = await startTcpProxy(Number(new URL(gateway.baseUrl).port));
  });
  after(async () => {
    client?.stop();
    await socketLink?.close();
    await gateway?.close();
    readerServer?.closeAllConnections();
    await new Promise((resolve) => readerServer?.close(resolve));
    await reader?.close();
    await writer?.close();
    await brokerLink?.close();
    await database?.dispose();
    await deleteAmqpNames(amqp).catch(() => {});
  });

  it('shows a message the gateway pushed while the socket was down, though the api it polls has not heard of it', async () => {
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(writer, buyer, seller);
    const send = async (message: string) => {
      await writer.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', writer.auth(buyer)).send({ message }).expect(201);
    };
    const live = new RealtimeClient(
      {
        userId: seller,
        getToken: () => reader.token(seller),
        baseUrl: `http://127.0.0.1:${(readerServer.address() as AddressInfo).port}`,
        reconnect: { baseMs: 100, maxMs: 300 },
      },
      {
        connector: stompjsConnector({
          urls: [`http://127.0.0.1:${socketLink.port}/ws`],
          transport: 'sockjs',
          heartbeatMs: 1_000,
          connectTimeoutMs: 3_000,
          receiptTimeoutMs: 3_000,
        }),
        fetch: (url, init) => fetch(url, init),
        clock: systemClock,
        random: Math.random,
      },
    );
    client = live;
    const shown = () => live.messages(tradeId).map((m) => m.message);
    live.start();
    await live.watchTrade(tradeId);
    await eventually(() => assert.equal(live.state, 'live'), 10_000);
    await send('first');
    // Over the socket; the reader's memory hears of it too and now vouches for seq 1.
    await eventually(() => assert.deepEqual(shown(), ['first']), 10_000);
    await sleep(300);

    await socketLink.down();
    await eventually(() => assert.equal(live.state, 'polling'), 10_000);
    brokerLink.hold();
    try {
      await send('second');
      // Its event reaches the gateway, where the client has no session now, and waits at the reader.
      await sleep(500);
      await socketLink.up();
      await eventually(() => assert.equal(live.state, 'live'), 10_000);
      // Live again: the socket will not bring it, and while the reader has not heard of it only a
      // read of the database can (kept short of the broker's heart-beat timeout, 10 s).
      await eventually(() => assert.deepEqual(shown(), ['first', 'second']), 3_000);
    } finally {
      brokerLink.release();
    }
    // And nothing later takes it back or brings it twice.
    await sleep(500);
    assert.deepEqual(shown(), ['first', 'second']);
  });
});
