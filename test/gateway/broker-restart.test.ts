import assert from 'node:assert/strict';
import { openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { StompTestClient, TWO_TRANSPORTS, type Inbox } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';
import { BROKER_OUTAGES, skipUnlessPrivateBroker } from '../support/rabbitmq-control.js';

for (const outage of BROKER_OUTAGES) {
  describe(`gateway across a RabbitMQ restart: broker ${outage.name}`, function () {
    this.timeout(90_000);
    let t: GatewayTestSystem;
    const clients: StompTestClient[] = [];

    before(async function () {
      skipUnlessPrivateBroker(this);
      t = await startGatewayTestSystem({ db: 'postgres', bus: 'rabbitmq' });
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.disconnect()));
      await t?.close();
    });

    it('keeps client sockets open and delivers every event, including those sent while it was down', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const inboxes: Inbox[] = [];
      for (const kind of TWO_TRANSPORTS) {
        const client = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(seller) });
        clients.push(client);
        inboxes.push(await client.subscribe(`/topic/trades/${tradeId}/chat`));
      }
      const send = (text: string) => t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: text }).expect(201);
      const received = (text: string) => inboxes.every((inbox) => inbox.bodies().some((m) => m.message === text));

      await send('before');
      await eventually(() => assert.ok(received('before')));

      // Sent while the broker is away: committed with their events in the outbox, published
      // when it is back, and waiting in the gateway's durable queue even if the gateway has
      // not re-subscribed yet. Every one must reach the open sockets, once.
      const during = ['during 1', 'trong lúc 2 🐇', 'during 3'];
      await outage.during(async () => {
        await eventually(() => assert.equal(t.system.bus.isReady(), false));
        await t.http.get('/readyz').expect(503);
        for (const text of during) await send(text);
      });
      await send('after');
      await eventually(() => assert.ok([...during, 'after'].every(received)), 30_000);
      for (const inbox of inboxes) {
        const texts = inbox.bodies().map((m) => m.message);
        assert.equal(new Set(texts).size, texts.length, 'no message twice');
      }
      await t.http.get('/readyz').expect(200);
      assert.ok(
        clients.every((c) => !c.isClosed),
        'a client socket was closed',
      );
    });
  });
}
