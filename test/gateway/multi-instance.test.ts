import assert from 'node:assert/strict';
import { openTrade } from '../support/system.js';
import { startGatewayTestSystem, startSecondGateway, uniqueUser, type GatewayTestSystem, type Listening } from '../support/gateway-harness.js';
import { CLIENT_KINDS, StompTestClient } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';
import { scrapeMetrics } from '../support/metrics.js';

describe('two gateway instances on one RabbitMQ exchange', () => {
  let first: GatewayTestSystem;
  let second: Awaited<ReturnType<typeof startSecondGateway>>;
  const clients: StompTestClient[] = [];

  before(async () => {
    first = await startGatewayTestSystem({ db: 'postgres', bus: 'rabbitmq' });
    second = await startSecondGateway(first);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  });
  after(async () => {
    await second?.close();
    await first?.close();
  });

  const connect = async (gateway: Listening, userId: string, kind = CLIENT_KINDS[0]!) => {
    const client = await StompTestClient.connect(gateway.baseUrl, kind, { authorization: first.auth(userId) });
    clients.push(client);
    return client;
  };

  it('delivers every event once to the clients of each instance', async () => {
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(first, buyer, seller);
    const inboxes = [
      await (await connect(first, buyer)).subscribe(`/topic/trades/${tradeId}/chat`),
      await (await connect(second, seller, 'sockjs-websocket')).subscribe(`/topic/trades/${tradeId}/chat`),
      await (await connect(second, buyer)).subscribe(`/topic/users/${buyer}/trades`),
    ];

    for (let i = 1; i <= 5; i++) {
      await first.http
        .post(`/p2p/trades/${tradeId}/chat`)
        .set('Authorization', first.auth(i % 2 ? buyer : seller))
        .send({ message: `message ${i}` })
        .expect(201);
    }
    await first.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', first.auth(buyer)).send({ status: 'PAID' }).expect(200);

    // The PAID system message (seq 6) is for the seller only.
    await eventually(() => assert.equal(inboxes[0]!.messages.length, 5));
    await eventually(() => assert.equal(inboxes[1]!.messages.length, 6));
    await eventually(() => assert.ok(inboxes[2]!.bodies().some((e) => e.status === 'PAID')));
    // Once each; order is the client's job (by seq), as relays in several processes may interleave.
    const seqs = (inbox: (typeof inboxes)[number]) =>
      inbox
        .bodies()
        .map((m) => m.seq as number)
        .sort((a, b) => a - b);
    assert.deepEqual(seqs(inboxes[0]!), [1, 2, 3, 4, 5]);
    assert.deepEqual(seqs(inboxes[1]!), [1, 2, 3, 4, 5, 6]);
    assert.equal(inboxes[2]!.bodies().filter((e) => e.status === 'PAID').length, 1);
  });

  it('runs the gateway role without the REST API, ready with its database and bus', async () => {
    const ready = await fetch(`${second.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual((await ready.json()).checks, { database: 'ok', eventBus: 'ok', gateway: 'ok' });
    assert.equal((await fetch(`${second.baseUrl}/p2p/trades/x`)).status, 404);
    const metrics = await scrapeMetrics(second.baseUrl);
    assert.match(metrics, /gateway_consumers_ready\{role="gateway"\} 1/);
  });
});
