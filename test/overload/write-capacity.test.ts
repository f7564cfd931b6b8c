import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';

const POSTGRES = DRIVER_SETS.find((d) => d.db === 'postgres')!;

/**
 * The issue's failure, made small: a pool of two connections, hundreds of polls that each keep a
 * connection busy for a while, and chat sends in the middle of them. Before reads were bounded, the polls queued in
 * the pool ahead of the sends' transactions, which gave up after Prisma's 2 s wait (P2028) and
 * answered 500.
 */
describe(`writes under a poll storm [${POSTGRES.name}]`, function () {
  this.timeout(90_000);
  let t: TestSystem;
  let server: Server;
  let base: string;

  before(async () => {
    t = await startTestSystem(POSTGRES, {
      env: { DATABASE_POOL_SIZE: '2', DATABASE_READ_CONCURRENCY: '1', OVERLOAD_MAX_IN_FLIGHT: '100000' },
    });
    server = createServer(t.system.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('every chat send succeeds while polls hold the pool; a poll is answered 200 or 503 with Retry-After, never 500', async () => {
    const tradeId = await openTrade(t, 'alice', 'bob');
    await seedBuyerOnlyChat(t, tradeId, 100_000);
    const auth = { authorization: t.auth('bob') };

    const polls = Array.from({ length: 800 }, () =>
      fetch(`${base}/p2p/trades/${tradeId}/chat?afterSeq=0`, { headers: auth }).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get('retry-after'),
        body: await r.text(),
      })),
    );
    // The sends start once the polls are queued in front of them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sends = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        fetch(`${base}/p2p/trades/${tradeId}/chat`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ message: `during the storm ${i}` }),
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    const queued = await fetch(`${base}/metrics`).then((r) => r.text());
    const answered = await Promise.all(polls);

    const byStatus = (rs: { status: number }[]) => {
      const counts: Record<number, number> = {};
      for (const r of rs) counts[r.status] = (counts[r.status] ?? 0) + 1;
      return counts;
    };
    console.log(`      polls by status ${JSON.stringify(byStatus(answered))}; sends by status ${JSON.stringify(byStatus(sends))}`);
    assert.deepEqual(
      sends.map((s) => s.status),
      [201, 201, 201, 201, 201],
      JSON.stringify(sends.filter((s) => s.status !== 201)[0]),
    );
    assert.match(queued, /^database_reads\{[^}]*state="active"[^}]*\} 1$/m, 'the one read slot is in use');
    const shed = answered.filter((p) => p.status === 503).length;
    assert.ok(shed > 0, 'some polls waited past DATABASE_READ_WAIT_MS');
    const counted = await fetch(`${base}/metrics`).then((r) => r.text());
    assert.match(counted, new RegExp(`^http_unavailable_responses_total\\{[^}]*cause="read_capacity"[^}]*\\} ${shed}$`, 'm'));
    for (const poll of answered) {
      assert.ok([200, 503].includes(poll.status), `a poll answered ${poll.status}: ${poll.body.slice(0, 200)}`);
      if (poll.status === 503) assert.ok(Number(poll.retryAfter) >= 1, 'a 503 carries Retry-After');
    }
  });

  it('stays ready (/readyz 200) while every pool connection is busy', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = [1, 2].map(() => t.system.db.prisma.$transaction(() => held, { timeout: 10_000 }));
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const res = await fetch(`${base}/readyz`);
      assert.equal(res.status, 200, await res.text());
    } finally {
      release();
      await Promise.all(holders);
    }
  });
});

/**
 * System messages meant for the buyer only, written directly. The seller's poll scans all of them
 * and returns none: each poll holds a connection for a while but costs this process little, as
 * the empty polls did at scale.
 */
async function seedBuyerOnlyChat(t: TestSystem, tradeId: string, count: number): Promise<void> {
  await t.system.db.prisma.$executeRaw`
    INSERT INTO trade_chat_messages (id, trade_id, seq, sender_id, message, recipient_role, is_system_message, timestamp)
    SELECT gen_random_uuid(), ${tradeId}::uuid, n, NULL, 'for the buyer', 'BUYER', true, now() + n * interval '1 millisecond'
    FROM generate_series(1, ${count}) AS n`;
  await t.system.db.prisma.$executeRaw`
    UPDATE trades SET chat_seq = ${count}, last_chat_at = now() + ${count} * interval '1 millisecond' WHERE id = ${tradeId}::uuid`;
}
