import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { expectRefusal, StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';
import { destinations } from '../../src/contract/destinations.js';
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
