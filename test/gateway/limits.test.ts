import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CLOSE_CODES } from '../../src/contract/close-codes.js';
import { destinations } from '../../src/contract/destinations.js';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
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

// A table lock holds a SUBSCRIBE's access check for as long as the test likes, so what the client
// sends next waits in the session; that needs PostgreSQL, whose other sessions can take the lock.
describe('gateway limits: frames waiting behind an access check', function () {
  this.timeout(30_000);
  let t: GatewayTestSystem;
  let locker: pg.Client;

  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS[1]!);
    locker = new pg.Client({ connectionString: t.database.url });
    await locker.connect();
  });
  after(async () => {
    await locker?.end();
    await t?.close();
  });

  it('cuts a session whose waiting frames pass 1 MiB, though they are few', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE trades IN ACCESS EXCLUSIVE MODE');
    const socket = await RawStompSocket.open(t.baseUrl);
    try {
      await socket.connect(t.auth(uniqueUser('user')));
      socket.send(frame('SUBSCRIBE', { id: 'held', destination: destinations.tradeChat(randomUUID()), receipt: 'held' }));
      // 20 frames of 60 KiB each: far fewer than the frames allowed to wait, 1.2 MiB in all.
      const padding = 'x'.repeat(60 * 1024);
      for (let i = 0; i < 20; i++) socket.send(frame('UNSUBSCRIBE', { id: `u${i}`, receipt: `u${i}`, 'x-padding': padding }));
      const error = await socket.expectError();
      assert.match(error.headers.message!, /sent ahead/);
      assert.equal(error.headers['receipt-id'], undefined, 'refused on arrival, not after the check');
      assert.equal(socket.closeCode, CLOSE_CODES.policy);
    } finally {
      await locker.query('ROLLBACK');
      socket.close();
    }
  });
});
