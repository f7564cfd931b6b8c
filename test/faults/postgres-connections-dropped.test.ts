import assert from 'node:assert/strict';
import pg from 'pg';
import { startUserClient } from '../support/user-client.js';
import { eventually, sleep } from '../support/eventually.js';
import { PG_ADMIN_URL } from '../support/services.js';
import { assertSeesExactly, openClusterTrade, startChatter, storedChat, useCluster } from './support.js';

describe('fault: PostgreSQL connections terminated during sends', function () {
  this.timeout(120_000);
  const suite = useCluster({ gateways: 1 });
  let admin: pg.Client;

  before(async () => {
    admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
  });
  after(() => admin?.end());

  it('every send either succeeds or fails with a clean 503; nothing half-written; the user sees exactly what was stored', async () => {
    const { cluster, users } = suite;
    const { tradeId, buyer, seller } = await openClusterTrade(cluster);
    users.push(await startUserClient(seller, { apiUrl: cluster.api.url, gatewayUrls: [cluster.gateways[0]!.url], tradeIds: [tradeId] }));
    await eventually(() => assert.equal(users[0]!.client.state, 'live'), 15_000);

    // Four senders at once, so connections are often mid-transaction when they are killed.
    const chatters = Array.from({ length: 4 }, () => startChatter(cluster, tradeId, buyer, 20));
    const database = new URL(cluster.databaseUrl).pathname.slice(1);
    let killed = 0;
    for (let round = 0; round < 10; round++) {
      await sleep(300);
      const res = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      killed += res.rowCount ?? 0;
    }
    await sleep(1_000);
    await Promise.all(chatters.map((c) => c.stop()));

    const accepted = chatters.flatMap((c) => c.accepted);
    const failed = chatters.flatMap((c) => c.failed);
    assert.ok(killed >= 10, `only ${killed} backends terminated`);
    for (const f of failed) {
      assert.equal(f.status, 503, JSON.stringify(f));
      assert.equal((f.body as { error: string }).error, 'unavailable');
    }

    const stored = await storedChat(cluster, tradeId, seller);
    // seq 1..N without a gap: no half-written append left a hole or a duplicate.
    assert.deepEqual(
      stored.map((m) => m.seq),
      stored.map((_, i) => i + 1),
    );
    // Every acknowledged send is stored. (A 503 can still have committed if the connection died
    // after COMMIT; such a message is stored and delivered like any other, never half of it.)
    const storedIds = new Set(stored.map((m) => m.id));
    assert.ok(
      accepted.every((m) => storedIds.has(m.id)),
      'an acknowledged message is missing',
    );
    assert.ok(stored.length <= accepted.length + failed.length);
    // Every stored row's event was published (outbox drained) and reached the user exactly once.
    await eventually(() => assertSeesExactly(users[0]!, tradeId, stored), 30_000, 250);
    const health = await fetch(`${cluster.api.url}/readyz`);
    assert.equal(health.status, 200, 'the api recovered');
    console.log(`      ${killed} backends killed; ${accepted.length} sends succeeded, ${failed.length} got 503; ${stored.length} stored, all seen once`);
  });
});
