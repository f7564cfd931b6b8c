import { sleep } from '../support/eventually.js';
import { assertMovedOverIntact, startChatter, useCluster, usersOnFirstGateway } from './support.js';

describe('fault: a gateway process killed (SIGKILL) with clients on it', function () {
  this.timeout(120_000);
  const suite = useCluster({ gateways: 2 });

  it('clients move to the other gateway (polling meanwhile) and see every message once', async () => {
    const { cluster, users } = suite;
    // Everyone starts on the gateway that will die; their next attempt goes to the other one.
    const { tradeId, buyer, seller, doomed, survivor } = await usersOnFirstGateway(cluster, users);

    const chatter = startChatter(cluster, tradeId, buyer, 100);
    await sleep(1_500);
    const statesBefore = users.map((u) => u.states.length);
    const exited = new Promise((resolve) => doomed.child.once('exit', resolve));
    doomed.child.kill('SIGKILL');
    await exited;
    // Each client noticed the loss (left `live`) and came back live on the survivor, losing nothing.
    await assertMovedOverIntact(cluster, { users, statesBefore, chatter, survivorUrl: survivor.url, tradeId, reader: seller });
    console.log(`      sent ${chatter.accepted.length} messages; 4 clients saw each once across the failover`);
  });
});
