import assert from 'node:assert/strict';
import { appDestinations } from '../../src/contract/app-destinations.js';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
import { StompTestClient, TWO_TRANSPORTS, type Inbox } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';

const TEXT = 'Chào anh, em đã chuyển khoản 5.000.000 ₫ rồi nhé! 🙏';

for (const drivers of DRIVER_SETS) {
  describe(`gateway: chat sent over the socket, SEND /app/trades/{id}/chat (${drivers.name})`, function () {
    this.timeout(60_000);
    let t: GatewayTestSystem;
    const clients: StompTestClient[] = [];
    const sockets: RawStompSocket[] = [];

    before(async () => {
      t = await startGatewayTestSystem(drivers);
    });
    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.close();
      await Promise.all(clients.splice(0).map((c) => c.disconnect()));
    });
    after(async () => {
      await t?.close();
    });

    const connect = async (userId: string, kind = TWO_TRANSPORTS[0]!) => {
      const client = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(userId) });
      clients.push(client);
      return client;
    };
    const storedChat = async (tradeId: string, userId: string) =>
      (await t.http.get(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(userId)).expect(200)).body as { senderId: string; message: string }[];
    /** The next user error on an inbox of /user/queue/errors. */
    const nextError = async (errors: Inbox, count: number) => {
      await eventually(() => assert.equal(errors.messages.length, count));
      return errors.messages.at(-1)!;
    };

    for (const kind of TWO_TRANSPORTS) {
      it(`stores, publishes and only then receipts a message sent with @stomp/stompjs publish() over ${kind}`, async () => {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        const buyerClient = await connect(buyer, kind);
        const buyerChat = await buyerClient.subscribe(destinations.tradeChat(tradeId));
        const sellerChat = await (await connect(seller, kind)).subscribe(destinations.tradeChat(tradeId));

        // No content-type: what publish() of a string sends.
        await buyerClient.send(appDestinations.chat(tradeId), JSON.stringify({ message: TEXT }));
        // The receipt comes after the commit: the message is there to read at once.
        const stored = await storedChat(tradeId, seller);
        assert.deepEqual(
          stored.map((m) => [m.senderId, m.message]),
          [[buyer, TEXT]],
        );
        for (const inbox of [buyerChat, sellerChat]) {
          await eventually(() => assert.equal(inbox.messages.length, 1));
          assert.deepEqual(inbox.bodies()[0], stored[0]);
        }
      });
    }

    it('reports user errors on /user/queue/errors with the receipt, stores nothing, and keeps the connection', async () => {
      const [buyer, seller, stranger] = [uniqueUser('buyer'), uniqueUser('seller'), uniqueUser('stranger')];
      const tradeId = await openTrade(t, buyer, seller);
      const client = await connect(buyer);
      const errors = await client.subscribe(userDestinations.errors);
      const outsider = await connect(stranger);
      const outsiderErrors = await outsider.subscribe(userDestinations.errors);

      const refusals: [StompTestClient, Inbox, string, string, Record<string, string>, string][] = [
        [client, errors, appDestinations.chat(tradeId), '{"message":""}', {}, 'bad_request'],
        [client, errors, appDestinations.chat(tradeId), '{"message": not json', {}, 'bad_request'],
        [client, errors, appDestinations.chat(tradeId), '{}', {}, 'bad_request'],
        [client, errors, appDestinations.chat(tradeId), JSON.stringify({ message: TEXT }), { 'content-type': 'application/xml' }, 'bad_request'],
        [client, errors, appDestinations.chat(tradeId), JSON.stringify({ message: 'x'.repeat(20_000) }), {}, 'payload_too_large'],
        [client, errors, appDestinations.chat('0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11'), JSON.stringify({ message: TEXT }), {}, 'not_found'],
        [outsider, outsiderErrors, appDestinations.chat(tradeId), JSON.stringify({ message: TEXT }), {}, 'forbidden'],
      ];
      for (const [i, [sender, inbox, destination, body, headers, code]] of refusals.entries()) {
        const receipt = `refused-${i}`;
        sender.publish(destination, body, { ...headers, receipt });
        const error = await nextError(inbox, inbox.messages.length + 1);
        assert.equal(error.headers['receipt-id'], receipt, body);
        assert.equal(error.headers.destination, userDestinations.errors);
        assert.equal(JSON.parse(error.body).error, code, body);
        assert.equal(typeof JSON.parse(error.body).message, 'string');
      }
      assert.deepEqual(await storedChat(tradeId, buyer), [], 'a refused SEND stored something');
      // Still connected: the next SEND goes through.
      await client.send(appDestinations.chat(tradeId), JSON.stringify({ message: 'ok' }), { 'content-type': 'text/plain;charset=UTF-8' });
      assert.equal((await storedChat(tradeId, buyer)).length, 1);
      assert.equal(client.isClosed, false);
    });

    it('stores a retried clientMessageId once, and receipts both sends', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const client = await connect(buyer);
      const body = JSON.stringify({ message: TEXT, clientMessageId: 'retry-1' });
      await client.send(appDestinations.chat(tradeId), body, { 'content-type': 'application/json' });
      await client.send(appDestinations.chat(tradeId), body);
      assert.equal((await storedChat(tradeId, seller)).length, 1);
    });

    it('answers a user error with ERROR carrying the receipt-id, then a close, when the session does not listen on /user/queue/errors', async () => {
      const [buyer, seller, stranger] = [uniqueUser('buyer'), uniqueUser('seller'), uniqueUser('stranger')];
      const tradeId = await openTrade(t, buyer, seller);
      const socket = await RawStompSocket.open(t.baseUrl);
      sockets.push(socket);
      await socket.connect(t.auth(stranger));
      socket.send(frame('SEND', { destination: appDestinations.chat(tradeId), receipt: 'r1' }, JSON.stringify({ message: TEXT })));
      const error = await socket.next('ERROR');
      assert.equal(error.headers['receipt-id'], 'r1');
      assert.match(error.headers.message!, /^forbidden/);
      assert.equal(await socket.closed, 1008);
      assert.deepEqual(await storedChat(tradeId, buyer), []);
    });

    it('keeps SEND to /topic a protocol error, and a frame over 64 KiB too: ERROR, then close', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      for (const [destination, body, code] of [
        [destinations.tradeChat(tradeId), JSON.stringify({ message: TEXT }), 1008],
        [appDestinations.chat(tradeId), JSON.stringify({ message: 'x'.repeat(70_000) }), 1002],
      ] as const) {
        const socket = await RawStompSocket.open(t.baseUrl);
        sockets.push(socket);
        await socket.connect(t.auth(buyer));
        socket.send(frame('SUBSCRIBE', { id: 'e', destination: userDestinations.errors, receipt: 'sub' }));
        await socket.next('RECEIPT');
        socket.send(frame('SEND', { destination, receipt: 'r1' }, body));
        await socket.next('ERROR');
        assert.equal(await socket.closed, code);
      }
      assert.deepEqual(await storedChat(tradeId, buyer), []);
    });

    it("delivers the session user's own notifications and trade events on /user/queue/..., named as subscribed", async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const buyerClient = await connect(buyer);
      const sellerClient = await connect(seller);
      const buyerTrades = await buyerClient.subscribe(userDestinations.trades);
      const buyerNotifications = await buyerClient.subscribe(userDestinations.notifications);
      const sellerTrades = await sellerClient.subscribe(userDestinations.trades);
      const sellerNotifications = await sellerClient.subscribe(userDestinations.notifications);
      // Someone else's trade must not reach them.
      const [otherBuyer, otherSeller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const otherTrade = await openTrade(t, otherBuyer, otherSeller);
      await t.http.post(`/p2p/trades/${otherTrade}/status`).set('Authorization', t.auth(otherBuyer)).send({ status: 'PAID' }).expect(200);

      await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
      for (const inbox of [buyerTrades, sellerTrades]) {
        // The opening (PENDING) may still be on its way when they subscribed.
        await eventually(() => assert.equal(inbox.bodies().at(-1)?.status, 'PAID'));
        assert.ok(inbox.messages.every((m) => m.headers.destination === userDestinations.trades));
        assert.deepEqual(new Set(inbox.bodies().map((e) => e.tradeId)), new Set([tradeId]));
      }
      // The seller is told the buyer paid. The opening's notification (the seller's too) may
      // still have been on its way when they subscribed, as the opening's status event above.
      await eventually(() => assert.ok(sellerNotifications.bodies().some((n) => n.type === 'TRADE_PAID')));
      assert.ok(sellerNotifications.messages.every((m) => m.headers.destination === userDestinations.notifications));
      assert.ok(sellerNotifications.bodies().every((n) => n.userId === seller));
      assert.ok(buyerNotifications.bodies().every((n) => n.userId === buyer));
    });
  });
}
