import assert from 'node:assert/strict';
import type { RoleProcess } from '../support/cluster.js';
import { StompTestClient, type Inbox } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';
import { destinations } from '../../src/contract/destinations.js';
import type { PresenceEvent } from '../../src/contract/events.js';
import { openClusterTrade, useCluster } from './support.js';

// The bound for a killed gateway's users; the defaults (5 s refresh, 15 s TTL) are in force.
const OFFLINE_WITHIN_MS = 30_000;
const GRACE_MS = 5_000;

const statesOf = (inbox: Inbox, userId: string) =>
  inbox
    .bodies<PresenceEvent>()
    .filter((e) => e.userId === userId)
    .map((e) => e.online);

describe('fault: the gateway holding a party lost', function () {
  this.timeout(120_000);
  const suite = useCluster({ gateways: 3 });
  const clients: StompTestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  });
  const connect = async (gateway: RoleProcess, userId: string) => {
    const client = await StompTestClient.connect(gateway.url, 'websocket', { authorization: suite.cluster.auth(userId) });
    clients.push(client);
    return client;
  };

  /** The buyer online through `holder`, the seller watching through `watching`. */
  const onlineThrough = async (holder: RoleProcess, watching: RoleProcess) => {
    const { tradeId, buyer, seller } = await openClusterTrade(suite.cluster);
    const watcher = await (await connect(watching, seller)).subscribe(destinations.tradePresence(tradeId));
    const held = await connect(holder, buyer);
    await held.subscribe(destinations.tradeChat(tradeId));
    await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true]));
    return { tradeId, buyer, watcher, held };
  };

  it(`SIGKILL: the party shows offline on the other gateways within ${OFFLINE_WITHIN_MS / 1000} s`, async () => {
    const [doomed, survivor] = suite.cluster.gateways as [RoleProcess, RoleProcess];
    const { buyer, watcher } = await onlineThrough(doomed, survivor);

    const exited = new Promise((resolve) => doomed.child.once('exit', resolve));
    doomed.child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true, false]), OFFLINE_WITHIN_MS);
    console.log(`      offline ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
  });

  it('SIGTERM: a party reconnecting to another gateway within the grace period does not flap; one that does not goes offline', async () => {
    const [, survivor, drained] = suite.cluster.gateways as [RoleProcess, RoleProcess, RoleProcess];
    const { tradeId, buyer, watcher, held } = await onlineThrough(drained, survivor);
    const gone = await onlineThrough(drained, survivor);

    const exited = new Promise((resolve) => drained.child.once('exit', resolve));
    drained.child.kill('SIGTERM');
    // The drain closes the socket; the client comes back on the survivor at once.
    await held.closed;
    await (await connect(survivor, buyer)).subscribe(destinations.tradeChat(tradeId));
    await exited;
    const exitedAt = Date.now();
    // The stopping gateway hands its parties over for one grace period, not for its TTL (15 s).
    await eventually(() => assert.deepEqual(statesOf(gone.watcher, gone.buyer), [false, true, false]), GRACE_MS + 3_000);
    console.log(`      the party that stayed away went offline ${((Date.now() - exitedAt) / 1000).toFixed(1)} s after the exit`);
    await sleep(1_000);
    assert.deepEqual(statesOf(watcher, buyer), [false, true]);
  });
});
