import assert from 'node:assert/strict';
import { startUserClient } from '../support/user-client.js';
import { BROKER_OUTAGES, skipUnlessPrivateBroker } from '../support/rabbitmq-control.js';
import { eventually, sleep } from '../support/eventually.js';
import { assertSeesExactly, openClusterTrade, startChatter, storedChat, useCluster } from './support.js';

for (const outage of BROKER_OUTAGES) {
  describe(`fault: RabbitMQ ${outage.name} for 10 s while chat is sent every 100 ms`, function () {
    this.timeout(120_000);
    before(function () {
      skipUnlessPrivateBroker(this);
    });
    const suite = useCluster({ gateways: 2 });

    it('loses nothing and shows nothing twice to either party', async () => {
      const { cluster, users } = suite;
      const { tradeId, buyer, seller } = await openClusterTrade(cluster);
      const gatewayUrls = cluster.gateways.map((g) => g.url);
      // One party on each gateway.
      users.push(await startUserClient(buyer, { apiUrl: cluster.api.url, gatewayUrls, tradeIds: [tradeId] }));
      users.push(await startUserClient(seller, { apiUrl: cluster.api.url, gatewayUrls: [...gatewayUrls].reverse(), tradeIds: [tradeId] }));
      await eventually(() => assert.ok(users.every((u) => u.client.state === 'live')), 15_000);

      const chatter = startChatter(cluster, tradeId, buyer, 100);
      await sleep(2_000);
      await outage.during(async () => {
        await sleep(10_000);
        // The api kept accepting: rows and events wait in the database.
        assert.ok(chatter.accepted.length > 50, `accepted ${chatter.accepted.length}`);
      });
      await sleep(3_000);
      await chatter.stop();

      assert.deepEqual(chatter.failed, [], 'the api refused no send while RabbitMQ was down');
      const stored = await storedChat(cluster, tradeId, seller);
      assert.deepEqual(stored.map((m) => m.id).sort(), chatter.accepted.map((m) => m.id).sort());
      for (const user of users) await eventually(() => assertSeesExactly(user, tradeId, stored), 30_000, 250);
      console.log(`      sent ${chatter.accepted.length} messages; both parties saw each once, in order`);
    });
  });
}
