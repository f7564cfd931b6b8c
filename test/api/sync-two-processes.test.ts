import assert from 'node:assert/strict';
import { openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { eventually, sleep } from '../support/eventually.js';
import { AMQP_URL, JWT_SECRET } from '../support/services.js';
import type { SyncResponse } from '../../src/contract/shapes.js';
import { syncPath, type SyncCursors } from '../support/sync.js';
import type { ChatMessage } from '../../src/contract/shapes.js';

// Two api processes on one PostgreSQL and one RabbitMQ: every write goes through A, every read
// through B, whose head cache only hears of A's commits over the broker. This needs a shared
// database and broker, so it runs on the production driver pair only.
describe('sync across two api processes [postgres + rabbitmq]', function () {
  // Hundreds of sends and polls through two systems: longer than one request on a busy machine.
  this.timeout(90_000);
  let database: TestDatabase;
  const amqp = uniqueAmqpNames();
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let a: TestSystem;
  let b: TestSystem;

  before(async () => {
    database = await createTestDatabase('postgres');
    proxy = await startTcpProxy(Number(new URL(AMQP_URL).port || 5672), new URL(AMQP_URL).hostname);
    const proxied = new URL(AMQP_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const env = { DATABASE_URL: database.url!, AMQP_URL, JWT_SECRET, SYNC_POLL_INTERVAL_MS: '500' };
    const shared = { databaseUrl: database.url!, amqp };
    a = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' }, { role: 'api', env, shared });
    b = await startTestSystem({ db: 'postgres', bus: 'rabbitmq' }, { role: 'api', env, shared, amqpUrl: proxied.toString() });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await proxy?.close();
    await database?.dispose();
    await deleteAmqpNames(amqp).catch(() => {});
  });

  const syncB = async (user: string, query: SyncCursors) =>
    (await b.http.get(syncPath(query)).set('Authorization', b.auth(user)).expect(200)).body as SyncResponse;
  const sendA = (tradeId: string, user: string, message: string) =>
    a.http
      .post(`/p2p/trades/${tradeId}/chat`)
      .set('Authorization', a.auth(user))
      .send({ message })
      .expect(201)
      .then(() => {});

  interface Side {
    user: string;
    tradeId: string;
    received: ChatMessage[];
    tradesCursor?: string;
  }

  /** What the database holds for one side, read through A's chat route. */
  const stored = async (side: Side) =>
    (await a.http.get(`/p2p/trades/${side.tradeId}/chat?afterSeq=0`).set('Authorization', a.auth(side.user)).expect(200)).body as ChatMessage[];

  /**
   * Polls B for one side, long and plain polls alternating, until the writes are done and the side
   * holds as many messages as the database. B answers from its cache, which hears of A's last
   * commits only when their events arrive, so the end is "caught up within a deadline", not
   * "the first empty answer"; a message B never delivers fails the deadline.
   */
  async function follow(side: Side, done: () => boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (let round = 0; Date.now() < deadline; round++) {
      if (done() && side.received.length >= (await stored(side)).length) return;
      const after = side.received.at(-1)?.seq ?? 0;
      // Notifications are not followed here (role api has no worker), so none arrive to end a wait early.
      const res = await syncB(side.user, { trades: { [side.tradeId]: after }, tradesAfter: side.tradesCursor, wait: round % 2 ? 1 : 0 });
      side.tradesCursor = res.tradesCursor;
      const got = res.chat[side.tradeId]!;
      for (const m of got) assert.ok(m.seq > after, 'every message is past the cursor');
      side.received.push(...got);
      if (round % 2 === 0) await sleep(20);
    }
  }

  /** Each side saw every stored message once, in order. */
  async function assertExactlyOnce(sides: Side[]): Promise<void> {
    for (const side of sides) {
      assert.deepEqual(
        side.received.map((m) => m.id),
        (await stored(side)).map((m) => m.id),
        `${side.user} saw every message once, in order`,
      );
    }
  }

  async function openSides(prefix: string, trades: number): Promise<Side[]> {
    const sides: Side[] = [];
    for (let i = 0; i < trades; i++) {
      const [buyer, seller] = [`${prefix}-buyer-${i}`, `${prefix}-seller-${i}`];
      const tradeId = await openTrade(a, buyer, seller);
      sides.push({ user: buyer, tradeId, received: [] }, { user: seller, tradeId, received: [] });
    }
    return sides;
  }

  /** Concurrent sends through A in bursts, and a status change (a message for the seller only) on the first trade. */
  async function write(sides: Side[], bursts: number, label: string, status?: string): Promise<void> {
    const trades = sides.filter((_, i) => i % 2 === 0);
    for (let burst = 0; burst < bursts; burst++) {
      await Promise.all(
        trades.flatMap((s, i) => Array.from({ length: 5 }, (_, k) => sendA(s.tradeId, k % 2 ? sides[2 * i + 1]!.user : s.user, `${label} ${burst}.${k}`))),
      );
      if (status && burst === Math.floor(bursts / 2)) {
        await a.http.post(`/p2p/trades/${trades[0]!.tradeId}/status`).set('Authorization', a.auth(trades[0]!.user)).send({ status }).expect(200);
      }
    }
  }

  it('B delivers every message written through A exactly once, under concurrent sends', async () => {
    const sides = await openSides('busy', 3);
    let writing = true;
    const followers = sides.map((side) => follow(side, () => !writing));
    await write(sides, 12, 'busy', 'PAID');
    writing = false;
    await Promise.all(followers);
    await assertExactlyOnce(sides);
    assert.ok(sides.every((s) => s.received.length >= 30));
  });

  it('B wakes a long poll on a commit made through A', async () => {
    const [side] = await openSides('wake', 1);
    const { tradesCursor } = await syncB(side!.user, { trades: { [side!.tradeId]: 0 } });
    const held = syncB(side!.user, { trades: { [side!.tradeId]: 0 }, tradesAfter: tradesCursor, wait: 20 });
    await sleep(200);
    await sendA(side!.tradeId, 'wake-seller-0', 'from A');
    const res = await held;
    assert.deepEqual(
      res.chat[side!.tradeId]!.map((m) => m.message),
      ['from A'],
    );
  });

  it('with B cut off from the broker, B reads the database: nothing written through A is missed', async () => {
    const sides = await openSides('cut', 2);
    const [buyer] = sides;
    // B's cache now vouches for this trade's head.
    const { tradesCursor } = await syncB(buyer!.user, { trades: { [buyer!.tradeId]: 0 } });
    assert.deepEqual((await syncB(buyer!.user, { trades: { [buyer!.tradeId]: 0 }, tradesAfter: tradesCursor })).chat[buyer!.tradeId], []);

    await proxy.down();
    await eventually(() => assert.equal(b.system.bus.isReady(), false));
    await sendA(buyer!.tradeId, 'cut-seller-0', 'while B is cut off');
    // No event can reach B: only a database read finds it, at once.
    assert.deepEqual(
      (await syncB(buyer!.user, { trades: { [buyer!.tradeId]: 0 } })).chat[buyer!.tradeId]!.map((m) => m.message),
      ['while B is cut off'],
    );
    // A long poll held by B during the outage still answers (B looks again every poll interval).
    const held = syncB(buyer!.user, { trades: { [buyer!.tradeId]: 1 }, tradesAfter: tradesCursor, wait: 20 });
    await sleep(100);
    await sendA(buyer!.tradeId, 'cut-seller-0', 'held during the outage');
    assert.deepEqual(
      (await held).chat[buyer!.tradeId]!.map((m) => m.message),
      ['held during the outage'],
    );

    let writing = true;
    const followers = sides.map((side) => follow(side, () => !writing));
    await write(sides, 6, 'outage', 'PAID');
    await proxy.up();
    await eventually(() => assert.equal(b.system.bus.isReady(), true), 15_000);
    await write(sides, 6, 'reconnected');
    writing = false;
    await Promise.all(followers);
    await assertExactlyOnce(sides);
  });
});
