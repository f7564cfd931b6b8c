import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { expectRefusal, StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import { appDestinations } from '../../src/contract/app-destinations.js';
import type { TradeView } from '../../src/contract/shapes.js';
import type { ReadReceiptEvent } from '../../src/contract/events.js';

for (const drivers of DRIVER_SETS) {
  for (const kind of TWO_TRANSPORTS) {
    describe(`read receipts on /topic/trades/{id}/read (${drivers.name}, ${kind})`, () => {
      let t: GatewayTestSystem;
      const clients: StompTestClient[] = [];
      before(async function () {
        this.timeout(60_000);
        t = await startGatewayTestSystem(drivers);
      });
      afterEach(async () => {
        await Promise.all(clients.splice(0).map((c) => c.disconnect()));
      });
      after(() => t?.close());

      const connect = async (userId: string, admin = false) => {
        const client = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(userId, { admin }) });
        clients.push(client);
        return client;
      };
      const refused = (userId: string, admin = false) => {
        const client = new StompTestClient(t.baseUrl, kind, { authorization: t.auth(userId, { admin }) });
        clients.push(client);
        return client;
      };
      const read = (tradeId: string, user: string, seq: number) =>
        t.http.post(`/p2p/trades/${tradeId}/read`).set('Authorization', t.auth(user)).send({ seq }).expect(200);

      it('pushes each move to both parties, and nothing for a receipt that did not move', async () => {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        for (const m of ['one', 'two', 'three', 'four']) {
          await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: m }).expect(201);
        }
        const inboxes = [
          await (await connect(buyer)).subscribe(destinations.tradeRead(tradeId)),
          await (await connect(seller)).subscribe(destinations.tradeRead(tradeId)),
        ];

        const first = (await read(tradeId, seller, 3)).body;
        await read(tradeId, seller, 2);
        await read(tradeId, seller, 3);
        const last = (await read(tradeId, seller, 4)).body;
        await read(tradeId, buyer, 4);
        for (const inbox of inboxes) {
          await eventually(() => assert.equal(inbox.messages.length, 3));
          const events = inbox.bodies<ReadReceiptEvent>();
          assert.deepEqual(
            events.map(({ eventId, ...rest }) => (assert.ok(eventId), rest)).sort((a, b) => a.userId.localeCompare(b.userId) || a.seq - b.seq),
            [{ tradeId, userId: buyer, seq: 4, at: events.find((e) => e.userId === buyer)!.at }, first, last].sort(
              (a, b) => a.userId.localeCompare(b.userId) || a.seq - b.seq,
            ),
          );
          assert.ok(inbox.messages.every((m) => m.headers.destination === destinations.tradeRead(tradeId)));
        }
        // Nothing else is on its way: the repeats published nothing.
        await sleep(300);
        for (const inbox of inboxes) assert.equal(inbox.messages.length, 3);
      });

      it('stores a receipt sent with SEND /app/trades/{id}/read as the session user, receipts it after the commit, and pushes it to both', async () => {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        for (const m of ['one', 'two', 'three']) {
          await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: m }).expect(201);
        }
        const buyerReads = await (await connect(buyer)).subscribe(destinations.tradeRead(tradeId));
        const sellerClient = await connect(seller);
        const sellerReads = await sellerClient.subscribe(destinations.tradeRead(tradeId));
        // No content-type, as @stomp/stompjs publish() of a string sends it.
        await sellerClient.send(appDestinations.read(tradeId), JSON.stringify({ seq: 2 }));
        // The RECEIPT came after the commit: the stored state is there to read at once.
        const seen = (await t.http.get(`/p2p/trades/${tradeId}`).set('Authorization', t.auth(buyer)).expect(200)).body as TradeView;
        assert.equal(seen.peerReadSeq, 2);
        // Never backwards over the socket either: receipted, stored state unchanged, nothing pushed.
        await sellerClient.send(appDestinations.read(tradeId), JSON.stringify({ seq: 1 }), { 'content-type': 'application/json' });
        await sellerClient.send(appDestinations.read(tradeId), JSON.stringify({ seq: 3 }), { 'content-type': 'text/plain;charset=UTF-8' });
        for (const inbox of [buyerReads, sellerReads]) {
          await eventually(() => assert.equal(inbox.messages.length, 2));
          assert.deepEqual(
            inbox
              .bodies<ReadReceiptEvent>()
              .map((e) => [e.userId, e.seq])
              .sort((a, b) => Number(a[1]) - Number(b[1])),
            [
              [seller, 2],
              [seller, 3],
            ],
          );
        }
        assert.equal(((await t.http.get(`/p2p/trades/${tradeId}`).set('Authorization', t.auth(seller)).expect(200)).body as TradeView).unread, 0);
      });

      it('answers a bad receipt SEND with a user error on /user/queue/errors carrying the receipt, stores nothing, and keeps the connection', async () => {
        const [buyer, seller, stranger] = [uniqueUser('buyer'), uniqueUser('seller'), uniqueUser('stranger')];
        const tradeId = await openTrade(t, buyer, seller);
        await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: 'one' }).expect(201);
        const client = await connect(seller);
        const errors = await client.subscribe(userDestinations.errors);
        const outsider = await connect(stranger);
        const outsiderErrors = await outsider.subscribe(userDestinations.errors);
        const refusals: [StompTestClient, typeof errors, string, string, Record<string, string>, string][] = [
          [client, errors, appDestinations.read(tradeId), '{"seq":0}', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{"seq":-2}', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{"seq":1.5}', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{"seq":"1"}', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{}', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{"seq": 1', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{"seq":2}', {}, 'bad_request'],
          [client, errors, appDestinations.read(tradeId), '{"seq":1}', { 'content-type': 'application/xml' }, 'bad_request'],
          [client, errors, appDestinations.read('0b9c6a53-5a8a-4d8e-9b57-2f8f2f6f7c11'), '{"seq":1}', {}, 'not_found'],
          [outsider, outsiderErrors, appDestinations.read(tradeId), '{"seq":1}', {}, 'forbidden'],
        ];
        for (const [i, [sender, inbox, destination, body, headers, code]] of refusals.entries()) {
          const receipt = `refused-${i}`;
          const before = inbox.messages.length;
          sender.publish(destination, body, { ...headers, receipt });
          await eventually(() => assert.equal(inbox.messages.length, before + 1));
          const error = inbox.messages.at(-1)!;
          assert.equal(error.headers['receipt-id'], receipt, body);
          assert.equal(JSON.parse(error.body).error, code, body);
          assert.equal(typeof JSON.parse(error.body).message, 'string');
        }
        const stored = (await t.http.get(`/p2p/trades/${tradeId}`).set('Authorization', t.auth(seller)).expect(200)).body as TradeView;
        assert.deepEqual([stored.readSeq, stored.unread], [0, 1], 'a refused SEND stored something');
        await client.send(appDestinations.read(tradeId), '{"seq":1}');
        assert.equal(client.isClosed, false);
      });

      it('lets the mediator of a disputed trade follow its receipts, as its chat', async () => {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
        await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(seller)).send({ status: 'DISPUTED' }).expect(200);
        const mediatorReads = await (await connect(uniqueUser('mediator'), true)).subscribe(destinations.tradeRead(tradeId));
        await read(tradeId, buyer, 2);
        await read(tradeId, seller, 2);
        await eventually(() => assert.equal(mediatorReads.messages.length, 2));
        assert.deepEqual(new Set(mediatorReads.bodies<ReadReceiptEvent>().map((e) => e.userId)), new Set([buyer, seller]));
      });

      it('lets the buyer and the seller subscribe, and refuses anyone else and admins with ERROR and a close', async () => {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        await (await connect(buyer)).subscribe(destinations.tradeRead(tradeId));
        await (await connect(seller)).subscribe(destinations.tradeRead(tradeId));
        assert.match(await expectRefusal(refused('eve'), destinations.tradeRead(tradeId)), /not yours/);
        assert.match(await expectRefusal(refused('root', true), destinations.tradeRead(tradeId)), /not yours/);
        assert.match(await expectRefusal(refused(buyer), destinations.tradeRead('00000000-0000-4000-8000-000000000000')), /not yours/);
        assert.match(await expectRefusal(refused(buyer), `/topic/trades/${tradeId.toUpperCase()}/read`), /subscription refused/);
        assert.match(await expectRefusal(refused(buyer), '/topic/trades/*/read'), /subscription refused/);
      });
    });
  }
}

describe('read receipt rate limit (READ_RATE_LIMIT_PER_MINUTE)', () => {
  let t: GatewayTestSystem;
  const clients: StompTestClient[] = [];
  before(async function () {
    this.timeout(60_000);
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { READ_RATE_LIMIT_PER_MINUTE: '3' });
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
    await t?.close();
  });

  it('answers 429 rate_limited over REST once a user spent it, the same user error over the socket, and leaves other users alone', async () => {
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const tradeId = await openTrade(t, buyer, seller);
    await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: 'one' }).expect(201);
    const read = (user: string) => t.http.post(`/p2p/trades/${tradeId}/read`).set('Authorization', t.auth(user)).send({ seq: 1 });
    for (let i = 0; i < 3; i++) await read(seller).expect(200);
    assert.equal((await read(seller).expect(429)).body.error, 'rate_limited');
    await read(buyer).expect(200);

    // One allowance for REST and socket alike: the gateway hands the SEND to the same route.
    const client = await StompTestClient.connect(t.baseUrl, TWO_TRANSPORTS[0]!, { authorization: t.auth(seller) });
    clients.push(client);
    const errors = await client.subscribe(userDestinations.errors);
    client.publish(appDestinations.read(tradeId), '{"seq":1}', { receipt: 'limited' });
    await eventually(() => assert.equal(errors.messages.length, 1));
    assert.equal(errors.messages[0]!.headers['receipt-id'], 'limited');
    assert.equal(JSON.parse(errors.messages[0]!.body).error, 'rate_limited');
    assert.equal(client.isClosed, false);
  });
});
