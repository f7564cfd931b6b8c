import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser } from '../support/gateway-harness.js';
import { StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';

for (const drivers of DRIVER_SETS) {
  describe(`gateway metrics, readiness and shutdown (${drivers.name})`, () => {
    it('reports connections, subscriptions and deliveries, then closes every client cleanly on shutdown', async () => {
      const t = await startGatewayTestSystem(drivers);
      try {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        const clients = await Promise.all(TWO_TRANSPORTS.map((kind) => StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(seller) })));
        const inboxes = await Promise.all(clients.map((c) => c.subscribe(`/topic/trades/${tradeId}/chat`)));
        await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: 'hi' }).expect(201);
        await eventually(() => assert.ok(inboxes.every((inbox) => inbox.messages.length === 1)));

        const metrics = (await t.http.get('/metrics').expect(200)).text;
        for (const series of [
          'gateway_connections{transport="websocket",role="all"} 1',
          'gateway_connections{transport="sockjs",role="all"} 1',
          'gateway_subscriptions{role="all"} 2',
          'gateway_consumers_ready{role="all"} 1',
          'gateway_messages_delivered_total{role="all"} 2',
          'events_consumed_total{consumer="gateway-chat",role="all"} 1',
        ]) {
          assert.ok(metrics.includes(series), `no ${series} in\n${metrics}`);
        }

        await t.system.gateway!.close();
        assert.deepEqual(await Promise.all(clients.map((c) => c.closed)), [1001, 1001]);
        assert.deepEqual(t.system.gateway!.stats(), {
          connections: { websocket: 0, sockjs: 0 },
          subscriptions: 0,
          consuming: false,
          presence: { held: 0, peers: 0 },
        });
      } finally {
        await t.close();
      }
    });
  });
}
