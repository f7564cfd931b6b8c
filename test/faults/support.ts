import assert from 'node:assert/strict';
import { startCluster, type Cluster, type RoleProcess } from '../support/cluster.js';
import { startUserClient, type UserClient } from '../support/user-client.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { eventually, sleep } from '../support/eventually.js';
import { scrapeMetrics } from '../support/metrics.js';

/**
 * Starts a cluster for the suite and stops it, with every user client the test started, after
 * it, also when the test failed.
 */
export function useCluster(options: Parameters<typeof startCluster>[0]) {
  const suite = { cluster: undefined as unknown as Cluster, users: [] as UserClient[] };
  before(async () => {
    suite.cluster = await startCluster(options);
  });
  after(async () => {
    for (const user of suite.users) user.stop();
    await suite.cluster?.close();
  });
  return suite;
}

/** Opens a trade between two fresh users through the cluster's api. */
export async function openClusterTrade(cluster: Cluster): Promise<{ tradeId: string; buyer: string; seller: string }> {
  const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
  const res = await fetch(`${cluster.api.url}/p2p/trades`, {
    method: 'POST',
    headers: { Authorization: cluster.auth(buyer), 'Content-Type': 'application/json' },
    body: JSON.stringify({ sellerId: seller, amount: '10', asset: 'USDT', fiat: 'VND' }),
  });
  assert.equal(res.status, 201);
  return { tradeId: ((await res.json()) as { id: string }).id, buyer, seller };
}

/**
 * Four users of the client library (buyer and seller of a new trade, two clients each), live on
 * the cluster's first gateway, the one to be lost; their next attempt goes to the second.
 */
export async function usersOnFirstGateway(cluster: Cluster, users: UserClient[]) {
  const { tradeId, buyer, seller } = await openClusterTrade(cluster);
  const [doomed, survivor] = cluster.gateways as [RoleProcess, RoleProcess];
  const gatewayUrls = [doomed.url, survivor.url];
  for (const user of [buyer, seller, seller, buyer]) {
    users.push(await startUserClient(user, { apiUrl: cluster.api.url, gatewayUrls, tradeIds: [tradeId] }));
  }
  await eventually(
    () =>
      assert.ok(
        users.every((u) => u.client.state === 'live'),
        'not every user is live',
      ),
    30_000,
  );
  return { tradeId, buyer, seller, doomed, survivor };
}

/** Sends chat over REST at a steady pace until stopped; records what the API accepted. */
export function startChatter(cluster: Cluster, tradeId: string, senderId: string, everyMs: number) {
  const accepted: { id: string; seq: number; message: string }[] = [];
  const failed: { status: number; body: unknown }[] = [];
  let stopped = false;
  let n = 0;
  const done = (async () => {
    while (!stopped) {
      const message = `msg ${++n} — tin nhắn số ${n}`;
      try {
        const res = await fetch(`${cluster.api.url}/p2p/trades/${tradeId}/chat`, {
          method: 'POST',
          headers: { Authorization: cluster.auth(senderId), 'Content-Type': 'application/json' },
          body: JSON.stringify({ message }),
        });
        const body = (await res.json()) as { id: string; seq: number; message: string };
        if (res.status === 201) accepted.push(body);
        else failed.push({ status: res.status, body });
      } catch (err) {
        failed.push({ status: 0, body: String(err) });
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    accepted,
    failed,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/** What the server stored for a trade (as one of its parties may read it). */
export async function storedChat(cluster: Cluster, tradeId: string, userId: string) {
  const res = await fetch(`${cluster.api.url}/p2p/trades/${tradeId}/chat?afterSeq=0&limit=1000`, { headers: { Authorization: cluster.auth(userId) } });
  assert.equal(res.status, 200);
  return (await res.json()) as { id: string; seq: number; message: string }[];
}

/** The user sees exactly `expected` (by id): nothing lost, nothing twice, in seq order. */
export function assertSeesExactly(user: UserClient, tradeId: string, expected: { id: string }[]): void {
  const seen = user.messages(tradeId);
  const ids = seen.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'a message is shown twice');
  assert.deepEqual([...ids].sort(), expected.map((m) => m.id).sort(), `shown ${ids.length}, expected ${expected.length}`);
  const seqs = seen.map((m) => m.seq);
  assert.ok(
    seqs.every((s, i) => i === 0 || s > seqs[i - 1]!),
    'messages out of seq order',
  );
}

/**
 * After a gateway was lost: every user left `live` since `statesBefore` and is live again on the
 * survivor, no chat send failed, and each user sees every stored message exactly once.
 */
export async function assertMovedOverIntact(
  cluster: Cluster,
  failover: { users: UserClient[]; statesBefore: number[]; chatter: ReturnType<typeof startChatter>; survivorUrl: string; tradeId: string; reader: string },
): Promise<void> {
  const { users, statesBefore, chatter, tradeId } = failover;
  // Generous: on a busy machine a reconnect's connect and receipts take seconds.
  const movedOver = () => users.map((u, i) => `${u.states.length > statesBefore[i]! ? 'left' : 'stayed'}/${u.client.state}`);
  await eventually(
    () =>
      assert.ok(
        users.every((u, i) => u.states.length > statesBefore[i]! && u.client.state === 'live'),
        `users: ${movedOver().join(', ')}`,
      ),
    45_000,
  );
  await sleep(2_000);
  await chatter.stop();

  assert.deepEqual(chatter.failed, []);
  const stored = await storedChat(cluster, tradeId, failover.reader);
  assert.equal(stored.length, chatter.accepted.length);
  for (const user of users) await eventually(() => assertSeesExactly(user, tradeId, stored), 20_000, 250);
  const survivorStats = await scrapeMetrics(failover.survivorUrl);
  const onSurvivor = new RegExp(`^gateway_connections\\{transport="sockjs",role="gateway"\\} ${users.length}$`, 'm');
  assert.match(survivorStats, onSurvivor, `all ${users.length} clients are on the survivor`);
}
