import assert from 'node:assert/strict';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { expectRefusal, StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';

// Limits are counted in the gateway's memory; the drivers do not matter here.
describe('gateway limits', () => {
  let t: GatewayTestSystem;
  const clients: StompTestClient[] = [];

  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { GATEWAY_MAX_SUBSCRIPTIONS: '3', GATEWAY_MAX_CONNECTIONS_PER_USER: '2' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  });
  after(async () => {
    await t?.close();
  });

  for (const kind of TWO_TRANSPORTS) {
    describe(`over ${kind}`, () => {
      const connect = (userId: string) => {
        const client = new StompTestClient(t.baseUrl, kind, { authorization: t.auth(userId) });
        clients.push(client);
        return client;
      };

      it('refuses a subscription past the per-connection limit', async () => {
        const user = uniqueUser('user');
        const client = connect(user);
        await client.connected;
        await client.subscribe(`/topic/users/${user}/trades`);
        await client.subscribe(`/topic/users/${user}/notifications`);
        await client.subscribe(`/topic/users/${user}/trades`);
        assert.match(await expectRefusal(client, `/topic/users/${user}/notifications`), /at most 3 subscriptions/);
      });

      it('refuses a connection past the per-user limit until one of them closes', async () => {
        const user = uniqueUser('user');
        const [first, second] = [connect(user), connect(user)];
        await Promise.all([first.connected, second.connected]);
        assert.match(await expectRefusal(connect(user)), /too many open connections/);
        await connect(uniqueUser('other')).connected;

        await first.disconnect();
        await eventually(async () => {
          const again = connect(user);
          await again.connected;
        });
      });
    });
  }
});
