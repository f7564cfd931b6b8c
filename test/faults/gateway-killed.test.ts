import assert from 'node:assert/strict';
import { startUserClient } from '../support/user-client.js';
import { eventually, sleep } from '../support/eventually.js';
import { assertSeesExactly, openClusterTrade, startChatter, storedChat, useCluster } from './support.js';

describe('fault: a gateway process killed (SIGKILL) with clients on it', function () {
  this.timeout(120_000);
  const suite = useCluster({ gateways: 2 });

  it('clients move to the other gateway (polling meanwhile) and see every message once', async () => {
    const { cluster, users } = suite;
    const { tradeId, buyer, seller } = await openClusterTrade(cluster);
    const [doomed, survivor] = cluster.gateways;
    // Everyone starts on the gateway that will die; their next attempt goes to the other one.
    const gatewayUrls = [doomed!.url, survivor!.url];
    for (const user of [buyer, seller, seller, buyer]) {
      users.push(await startUserClient(user, { apiUrl: cluster.api.url, gatewayUrls, tradeIds: [tradeId] }));
    }
    await eventually(() => assert.ok(users.every((u) => u.client.state === 'live')), 15_000);

    const chatter = startChatter(cluster, tradeId, buyer, 100);
    await sleep(1_500);
    const statesBefore = users.map((u) => u.states.length);
    const exited = new Promise((resolve) => doomed!.child.once('exit', resolve));
    doomed!.child.kill('SIGKILL');
    await exited;
    // Each client noticed the loss (left `live`) and came back live on the survivor.
    await eventually(() => assert.ok(users.every((u, i) => u.states.length > statesBefore[i]! && u.client.state === 'live')), 20_000);
    await sleep(2_000);
    await chatter.stop();

    assert.deepEqual(chatter.failed, []);
    const stored = await storedChat(cluster, tradeId, seller);
    assert.equal(stored.length, chatter.accepted.length);
    for (const user of users) await eventually(() => assertSeesExactly(user, tradeId, stored), 20_000, 250);
    const survivorStats = await (await fetch(`${survivor!.url}/metrics`)).text();
    assert.match(survivorStats, /^gateway_connections\{transport="sockjs",role="gateway"\} 4$/m, 'all four clients are on the survivor');
    console.log(`      sent ${chatter.accepted.length} messages; 4 clients saw each once across the failover`);
  });
});
