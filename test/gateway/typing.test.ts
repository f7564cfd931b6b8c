import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { useGatewayPair, useStompClients } from '../support/gateway-pair.js';
import { eventually, sleep } from '../support/eventually.js';
import { appDestinations } from '../../src/contract/app-destinations.js';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import type { TypingEvent } from '../../src/contract/events.js';

for (const drivers of DRIVER_SETS) {
  describe(`typing (${drivers.name})`, () => {
    let t: GatewayTestSystem;
    const connect = useStompClients();
    before(async () => {
      t = await startGatewayTestSystem(drivers);
    });
    after(async () => {
      await t?.close();
    });

    const trade = async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      return { buyer, seller, tradeId: await openTrade(t, buyer, seller) };
    };

    it('relays a party’s typing to every subscriber as {tradeId, userId, at}, and stores nothing', async () => {
      const { buyer, seller, tradeId } = await trade();
      const watcher = await (await connect(t, t.auth(seller))).subscribe(destinations.tradeTyping(tradeId));
      const typist = await connect(t, t.auth(buyer));
      const own = await typist.subscribe(destinations.tradeTyping(tradeId));
      const before = Date.now();
      // Any body, or none, with any of the accepted content types.
      await typist.send(appDestinations.typing(tradeId), '');
      for (const inbox of [watcher, own]) await eventually(() => assert.equal(inbox.messages.length, 1));
      const [event] = watcher.bodies<TypingEvent>();
      assert.deepEqual(Object.keys(event!).sort(), ['at', 'tradeId', 'userId']);
      assert.deepEqual([event!.tradeId, event!.userId], [tradeId, buyer]);
      assert.ok(Date.parse(event!.at) >= before - 5 && event!.at.endsWith('Z'), event!.at);
      const chat = await t.http.get(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(seller)).expect(200);
      assert.deepEqual(chat.body, []);
    });

    it('drops typing past about one a second per user, silently and before it is queued', async () => {
      const { buyer, seller, tradeId } = await trade();
      const watcher = await (await connect(t, t.auth(seller))).subscribe(destinations.tradeTyping(tradeId));
      const typist = await connect(t, t.auth(buyer));
      const errors = await typist.subscribe(userDestinations.errors);
      // Far more than the frames a session may send ahead (GATEWAY_MAX_SUBSCRIPTIONS + 32): queued,
      // they would close the connection.
      const started = Date.now();
      for (let i = 0; i < 400; i++) typist.publish(appDestinations.typing(tradeId), '{}');
      await typist.subscribe(destinations.tradeChat(tradeId));
      // A burst of two, and one more for each second a busy machine took to send them.
      const allowed = 2 + Math.floor((Date.now() - started) / 1_000);
      await sleep(300);
      assert.ok(watcher.messages.length >= 2 && watcher.messages.length <= allowed, `${watcher.messages.length} passed, ${allowed} allowed`);
      assert.equal(errors.messages.length, 0);
      assert.equal(typist.isClosed, false);
      // The allowance refills at one a second.
      await sleep(1_100);
      const passed = watcher.messages.length;
      await typist.send(appDestinations.typing(tradeId), '{}');
      await eventually(() => assert.equal(watcher.messages.length, passed + 1));
    });

    it('refuses typing from someone not a party, as a user error on /user/queue/errors, keeping the connection', async () => {
      const { tradeId } = await trade();
      for (const [userId, admin] of [
        [uniqueUser('stranger'), false],
        [uniqueUser('admin'), true],
      ] as const) {
        const client = await connect(t, t.auth(userId, { admin }));
        const errors = await client.subscribe(userDestinations.errors);
        client.publish(appDestinations.typing(tradeId), '{}', { receipt: 'typing-1' });
        await eventually(() => assert.equal(errors.messages.length, 1));
        assert.equal(JSON.parse(errors.messages[0]!.body).error, 'forbidden');
        assert.equal(errors.messages[0]!.headers['receipt-id'], 'typing-1');
        // Still connected and answering.
        await client.subscribe(destinations.userTrades(userId));
        assert.equal(client.isClosed, false);
      }
    });
  });
}

describe('typing across two gateways on one RabbitMQ exchange', () => {
  const pair = useGatewayPair();
  const connect = useStompClients();

  it('reaches the subscribers of every gateway', async () => {
    const { first, second } = pair;
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(first, buyer, seller);
    const watchers = [
      await (await connect(second, first.auth(seller))).subscribe(destinations.tradeTyping(tradeId)),
      await (await connect(first, first.auth(seller))).subscribe(destinations.tradeTyping(tradeId)),
    ];
    await (await connect(first, first.auth(buyer))).send(appDestinations.typing(tradeId), '{}');
    for (const watcher of watchers) {
      await eventually(() => assert.equal(watcher.messages.length, 1));
      assert.equal(watcher.bodies<TypingEvent>()[0]!.userId, buyer);
    }
  });
});
