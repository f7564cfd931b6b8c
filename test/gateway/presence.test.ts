import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, startSecondGateway, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { useGatewayPair, useStompClients } from '../support/gateway-pair.js';
import { expectRefusal, StompTestClient, type Inbox } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';
import { scrapeMetrics } from '../support/metrics.js';
import { destinations } from '../../src/contract/destinations.js';
import type { PresenceEvent } from '../../src/contract/events.js';

const GRACE_MS = 1_500;
const ENV = { GATEWAY_PRESENCE_GRACE_MS: String(GRACE_MS) };

/** The presence events an inbox got about one user, oldest first. */
const statesOf = (inbox: Inbox, userId: string) =>
  inbox
    .bodies<PresenceEvent>()
    .filter((e) => e.userId === userId)
    .map((e) => e.online);

for (const drivers of DRIVER_SETS) {
  describe(`presence on one gateway (${drivers.name})`, () => {
    let t: GatewayTestSystem;
    const connect = useStompClients();
    before(async () => {
      t = await startGatewayTestSystem(drivers, ENV);
    });
    after(async () => {
      await t?.close();
    });

    const trade = async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      return { buyer, seller, tradeId: await openTrade(t, buyer, seller) };
    };

    it("tells a new subscriber the other party's state right after its receipt, then every change", async () => {
      const { buyer, seller, tradeId } = await trade();
      const watcher = await (await connect(t, t.auth(seller))).subscribe(destinations.tradePresence(tradeId));
      await eventually(() => assert.deepEqual(watcher.bodies(), [{ tradeId, userId: buyer, online: false }]));

      const buyerClient = await connect(t, t.auth(buyer));
      await buyerClient.subscribe(destinations.tradeChat(tradeId));
      await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true]));

      const late = await (await connect(t, t.auth(seller))).subscribe(destinations.tradePresence(tradeId));
      await eventually(() => assert.deepEqual(late.bodies(), [{ tradeId, userId: buyer, online: true }]));

      // Offline only once the grace period has run out.
      const left = Date.now();
      await buyerClient.disconnect();
      await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true, false]), GRACE_MS + 5_000);
      assert.ok(Date.now() - left >= GRACE_MS - 100, `offline after ${Date.now() - left} ms`);
      // Presence subscriptions of the watcher itself do not make it online.
      assert.deepEqual(statesOf(watcher, seller), []);
    });

    it('keeps a party online through a reconnect within the grace period', async () => {
      const { buyer, seller, tradeId } = await trade();
      const watcher = await (await connect(t, t.auth(seller))).subscribe(destinations.tradePresence(tradeId));
      const first = await connect(t, t.auth(buyer));
      await first.subscribe(destinations.tradeChat(tradeId));
      await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true]));

      await first.disconnect();
      await (await connect(t, t.auth(buyer))).subscribe(destinations.tradeChat(tradeId));
      await sleep(GRACE_MS + 1_000);
      assert.deepEqual(statesOf(watcher, buyer), [false, true]);
    });

    it('counts every chat subscription: online until the last one ends', async () => {
      const { buyer, seller, tradeId } = await trade();
      const watcher = await (await connect(t, t.auth(seller))).subscribe(destinations.tradePresence(tradeId));
      const [tab1, tab2] = [await connect(t, t.auth(buyer)), await connect(t, t.auth(buyer))];
      await tab1.subscribe(destinations.tradeChat(tradeId));
      await tab2.subscribe(destinations.tradeChat(tradeId));
      await tab1.disconnect();
      await sleep(GRACE_MS + 500);
      assert.deepEqual(statesOf(watcher, buyer), [false, true]);
      await tab2.disconnect();
      await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true, false]), GRACE_MS + 5_000);
    });

    it('lets only the parties subscribe to presence and typing', async () => {
      const { tradeId } = await trade();
      for (const destination of [destinations.tradePresence(tradeId), destinations.tradeTyping(tradeId)]) {
        for (const auth of [t.auth(uniqueUser('stranger')), t.auth(uniqueUser('admin'), { admin: true })]) {
          const client = new StompTestClient(t.baseUrl, 'websocket', { authorization: auth });
          assert.match(await expectRefusal(client, destination), /subscription refused/);
        }
      }
    });
  });
}

describe('presence across two gateways on one RabbitMQ exchange', () => {
  // The longest refresh: what a gateway learns within a few seconds is not from a periodic snapshot.
  const PAIR_ENV = { ...ENV, GATEWAY_PRESENCE_REFRESH_MS: '12500', GATEWAY_PRESENCE_TTL_MS: '25000' };
  const pair = useGatewayPair(PAIR_ENV);
  const connect = useStompClients();

  it("shows a party online and offline to the other gateway's subscribers, and its state to new ones", async () => {
    const { first, second } = pair;
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(first, buyer, seller);
    const watcher = await (await connect(second, first.auth(seller))).subscribe(destinations.tradePresence(tradeId));
    const buyerClient = await connect(first, first.auth(buyer));
    await buyerClient.subscribe(destinations.tradeChat(tradeId));
    await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true]));

    const late = await (await connect(second, first.auth(seller))).subscribe(destinations.tradePresence(tradeId));
    assert.deepEqual((await eventually(() => late.bodies<PresenceEvent>()[0]!)).online, true);

    await buyerClient.disconnect();
    await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true, false]), GRACE_MS + 5_000);
  });

  it('does not flap when a party reconnects to the other gateway within the grace period', async () => {
    const { first, second } = pair;
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(first, buyer, seller);
    const watchers = [
      await (await connect(first, first.auth(seller))).subscribe(destinations.tradePresence(tradeId)),
      await (await connect(second, first.auth(seller))).subscribe(destinations.tradePresence(tradeId)),
    ];
    const onFirst = await connect(first, first.auth(buyer));
    await onFirst.subscribe(destinations.tradeChat(tradeId));
    for (const watcher of watchers) await eventually(() => assert.deepEqual(statesOf(watcher, buyer), [false, true]));

    await onFirst.disconnect();
    await (await connect(second, first.auth(buyer))).subscribe(destinations.tradeChat(tradeId));
    await sleep(GRACE_MS + 1_000);
    for (const watcher of watchers) assert.deepEqual(statesOf(watcher, buyer), [false, true]);
  });

  it('a gateway that joins asks the others and learns at once what they hold', async () => {
    const { first } = pair;
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(first, buyer, seller);
    await (await connect(first, first.auth(buyer))).subscribe(destinations.tradeChat(tradeId));
    const third = await startSecondGateway(first, PAIR_ENV);
    try {
      const watcher = await (await connect(third, first.auth(seller))).subscribe(destinations.tradePresence(tradeId));
      await eventually(() => assert.equal(statesOf(watcher, buyer).at(-1), true), 3_000);
    } finally {
      await third.close();
    }
  });

  it('reports in /metrics the parties each gateway holds and the other gateways it hears', async () => {
    const { first, second } = pair;
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(first, buyer, seller);
    await (await connect(second, first.auth(buyer))).subscribe(destinations.tradeChat(tradeId));
    await (await connect(second, first.auth(seller))).subscribe(destinations.tradeChat(tradeId));
    // Once the grace periods and the third gateway of earlier tests have run out.
    await eventually(async () => {
      const metrics = await scrapeMetrics(second.baseUrl);
      assert.match(metrics, /^gateway_presence_held\{role="gateway"\} 2$/m);
      assert.match(metrics, /^gateway_presence_peers\{role="gateway"\} 1$/m);
    }, GRACE_MS + 5_000);
    await eventually(async () => assert.match(await scrapeMetrics(first.baseUrl), /^gateway_presence_peers\{role="all"\} 1$/m), GRACE_MS + 5_000);
  });
});
