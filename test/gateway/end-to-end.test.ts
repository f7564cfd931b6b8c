import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { CLIENT_KINDS, StompTestClient } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';
import { TRADE_STATUS_EVENT_KEYS } from '../support/wire-keys.js';

for (const drivers of DRIVER_SETS) {
  describe(`gateway end to end (${drivers.name})`, () => {
    let t: GatewayTestSystem;
    const clients: StompTestClient[] = [];

    before(async () => {
      t = await startGatewayTestSystem(drivers);
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.disconnect()));
    });
    after(async () => {
      await t?.close();
    });

    const connect = async (userId: string, options: { admin?: boolean } = {}, kind = CLIENT_KINDS[0]!) => {
      const client = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(userId, options) });
      clients.push(client);
      return client;
    };

    for (const kind of CLIENT_KINDS) {
      describe(`over ${kind}`, () => {
        it('pushes a chat message sent over REST to both participants, byte for byte as REST returns it', async () => {
          const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
          const tradeId = await openTrade(t, buyer, seller);
          const buyerChat = await (await connect(buyer, {}, kind)).subscribe(`/topic/trades/${tradeId}/chat`);
          const sellerChat = await (await connect(seller, {}, kind)).subscribe(`/topic/trades/${tradeId}/chat`);

          const text = 'Chào anh, em đã chuyển khoản 5.000.000 ₫ rồi nhé! Kiểm tra giúp em 🙏🎉👍🏽';
          const sent = await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: text }).expect(201);

          for (const inbox of [buyerChat, sellerChat]) {
            await eventually(() => assert.equal(inbox.messages.length, 1));
            const [message] = inbox.messages;
            assert.equal(message!.body, JSON.stringify(sent.body));
            assert.equal(message!.headers['content-type'], 'application/json');
            assert.equal(message!.headers['content-length'], String(Buffer.byteLength(message!.body)));
            assert.equal(message!.headers.destination, `/topic/trades/${tradeId}/chat`);
            assert.ok(message!.headers['message-id']);
          }
          assert.equal(buyerChat.bodies()[0]!.message, text);
        });

        it('pushes a status change to the four trade destinations and its system message to the right side only', async () => {
          const [buyer, seller, admin] = [uniqueUser('buyer'), uniqueUser('seller'), uniqueUser('admin')];
          const tradeId = await openTrade(t, buyer, seller);
          const everyTrade = await (await connect(admin, { admin: true }, kind)).subscribe('/topic/trades');
          const buyerClient = await connect(buyer, {}, kind);
          const sellerClient = await connect(seller, {}, kind);
          const tradeTopic = await buyerClient.subscribe(`/topic/trades/${tradeId}`);
          const buyerTrades = await buyerClient.subscribe(`/topic/users/${buyer}/trades`);
          const buyerChat = await buyerClient.subscribe(`/topic/trades/${tradeId}/chat`);
          const sellerTrades = await sellerClient.subscribe(`/topic/users/${seller}/trades`);
          const sellerChat = await sellerClient.subscribe(`/topic/trades/${tradeId}/chat`);

          await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
          // The trade's opening event may still be on its way: look for this change only.
          const paid = (inbox: typeof tradeTopic) => inbox.bodies().filter((e) => e.tradeId === tradeId && e.status === 'PAID');
          for (const inbox of [everyTrade, tradeTopic, buyerTrades, sellerTrades]) {
            await eventually(() => assert.equal(paid(inbox).length, 1));
            assert.deepEqual(Object.keys(paid(inbox)[0]!).sort(), TRADE_STATUS_EVENT_KEYS);
            assert.equal(paid(inbox)[0]!.actorId, buyer);
          }
          await eventually(() => assert.equal(sellerChat.messages.length, 1));
          assert.equal(sellerChat.bodies()[0]!.recipientRole, 'SELLER');

          // Releasing sends the buyer a system message on the same queue, after the PAID one:
          // once it has arrived, the PAID message would have arrived before it.
          await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(seller)).send({ status: 'RELEASED' }).expect(200);
          await eventually(() => assert.equal(buyerChat.messages.length, 1));
          assert.deepEqual(
            buyerChat.bodies().map((m) => [m.recipientRole, m.isSystemMessage, m.senderId]),
            [['BUYER', true, null]],
          );
          await eventually(() => assert.equal(sellerTrades.bodies().filter((e) => e.status === 'RELEASED').length, 1));
          assert.equal(sellerChat.messages.length, 1);
        });

        it('pushes the notification for a status change to the other party', async () => {
          const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
          const tradeId = await openTrade(t, buyer, seller);
          const notifications = await (await connect(seller, {}, kind)).subscribe(`/topic/users/${seller}/notifications`);

          await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
          await eventually(() => assert.ok(notifications.bodies().some((n) => n.type === 'TRADE_PAID')));
          const notification = notifications.bodies().find((n) => n.type === 'TRADE_PAID')!;
          assert.equal(notification.userId, seller);
          assert.deepEqual(Object.keys(notification).sort(), ['eventId', 'message', 'notificationId', 'seq', 'timestamp', 'type', 'userId']);
        });
      });
    }
  });
}
