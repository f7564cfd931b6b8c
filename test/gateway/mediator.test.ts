import assert from 'node:assert/strict';
import { appDestinations } from '../../src/contract/app-destinations.js';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, startSecondGateway, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { expectRefusal, StompTestClient, TWO_TRANSPORTS, type Inbox } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';
import { appendChatMessage } from '../../src/domain/chat-log.js';

type Message = { seq: number; senderId: string | null; senderRole: string | null; message: string; recipientRole: string | null };

for (const drivers of DRIVER_SETS) {
  for (const kind of TWO_TRANSPORTS) {
    describe(`gateway: the mediator in a disputed trade's room (${drivers.name}, ${kind})`, function () {
      this.timeout(60_000);
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

      const admin = uniqueUser('root');
      const auth = (user: string) => t.auth(user, { admin: user === admin });
      const client = (user: string) => {
        const c = new StompTestClient(t.baseUrl, kind, { authorization: auth(user) });
        clients.push(c);
        return c;
      };
      const connect = async (user: string) => {
        const c = client(user);
        await c.connected;
        return c;
      };
      const move = (id: string, user: string, status: string) =>
        t.http.post(`/p2p/trades/${id}/status`).set('Authorization', auth(user)).send({ status }).expect(200);
      const post = (id: string, user: string, message: string) =>
        t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', auth(user)).send({ message }).expect(201);
      const auditOf = async (id: string) =>
        ((await t.http.get(`/p2p/trades/${id}/audit`).set('Authorization', auth(admin)).expect(200)).body as { action: string; actorId: string }[]).map((e) => [
          e.action,
          e.actorId,
        ]);

      /**
       * What a room got past the chat's head when it joined: a message committed just before a
       * subscription may still be on its way and is pushed to it too (at least once; a client
       * orders and deduplicates by seq, and takes what came before its subscription from REST).
       */
      const pastHead = async (id: string, reader: string) => {
        const head = ((await t.http.get(`/p2p/trades/${id}/chat`).set('Authorization', auth(reader)).expect(200)).body as Message[]).at(-1)?.seq ?? 0;
        return (inbox: Inbox) => inbox.bodies<Message>().filter((m) => m.seq > head);
      };

      async function paidTrade() {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const id = await openTrade(t, buyer, seller);
        await move(id, buyer, 'PAID');
        return { id, buyer, seller };
      }

      it('refuses an admin the chat before the dispute, and records nothing', async () => {
        const { id } = await paidTrade();
        assert.match(await expectRefusal(client(admin), destinations.tradeChat(id)), /not yours/);
        assert.deepEqual(await auditOf(id), []);
      });

      it("lets an admin join once the trade is disputed: the join is audited, and they see both sides' messages and their own", async () => {
        const { id, buyer, seller } = await paidTrade();
        await move(id, seller, 'DISPUTED');
        const fresh = await pastHead(id, buyer);
        const mediator = await connect(admin);
        const room = await mediator.subscribe(destinations.tradeChat(id));
        assert.deepEqual(await auditOf(id), [['JOIN', admin]], 'written before the subscription was confirmed');
        const buyerRoom = await (await connect(buyer)).subscribe(destinations.tradeChat(id));
        const sellerRoom = await (await connect(seller)).subscribe(destinations.tradeChat(id));

        await post(id, buyer, 'Here is my receipt.');
        await post(id, admin, 'Thank you, checking with the bank.');
        await move(id, admin, 'RELEASED');
        const expected = [
          ['BUYER', 'Here is my receipt.'],
          ['MEDIATOR', 'Thank you, checking with the bank.'],
          [null, "The mediator resolved the dispute for the buyer: the seller's assets are released to the buyer."],
        ];
        for (const inbox of [room, buyerRoom, sellerRoom]) {
          await eventually(() =>
            assert.deepEqual(
              fresh(inbox).map((m) => [m.senderRole, m.message]),
              expected,
            ),
          );
        }
        assert.deepEqual(
          (await auditOf(id)).map(([action]) => action),
          ['JOIN', 'POST', 'RESOLVE'],
        );
      });

      it('pushes a system message meant for one side to that side and to the mediator, not to the other side', async () => {
        const { id, buyer, seller } = await paidTrade();
        await move(id, buyer, 'DISPUTED');
        const fresh = await pastHead(id, buyer);
        const rooms = await Promise.all([admin, buyer, seller].map(async (user) => (await connect(user)).subscribe(destinations.tradeChat(id))));
        // No transition out of DISPUTED speaks to one side only, so the message is written as the api writes one.
        await t.system.outbox.transaction(async (tx, stage) => {
          const appended = await appendChatMessage(tx, t.system.chain, id, {
            senderId: null,
            senderRole: null,
            message: 'For the seller only.',
            recipientRole: 'SELLER',
          });
          stage(appended.event);
        });
        await post(id, seller, 'after');
        for (const [inbox, expected] of [
          [rooms[0]!, ['For the seller only.', 'after']],
          [rooms[2]!, ['For the seller only.', 'after']],
          [rooms[1]!, ['after']],
        ] as const) {
          await eventually(() =>
            assert.deepEqual(
              fresh(inbox).map((m) => m.message),
              expected,
            ),
          );
        }
      });

      it('sends over the socket as MEDIATOR while the dispute is open, and only reads after the resolution', async () => {
        const { id, buyer } = await paidTrade();
        await move(id, buyer, 'DISPUTED');
        const fresh = await pastHead(id, buyer);
        const mediator = await connect(admin);
        const errors = await mediator.subscribe(userDestinations.errors);
        const room = await mediator.subscribe(destinations.tradeChat(id));
        await mediator.send(appDestinations.chat(id), JSON.stringify({ message: 'Both of you, please wait.' }));
        await eventually(() =>
          assert.deepEqual(
            fresh(room).map((m) => [m.senderId, m.senderRole]),
            [[admin, 'MEDIATOR']],
          ),
        );

        await move(id, admin, 'CANCELLED');
        mediator.publish(appDestinations.chat(id), JSON.stringify({ message: 'one more thing' }), { receipt: 'late' });
        await eventually(() => assert.equal(errors.messages.length, 1));
        assert.equal(errors.bodies<{ error: string }>()[0]!.error, 'forbidden');
        assert.equal(errors.messages[0]!.headers['receipt-id'], 'late');

        // Still readable: a new subscription after the resolution is accepted (and audited).
        const later = await connect(admin);
        await later.subscribe(destinations.tradeChat(id));
        assert.deepEqual(
          (await auditOf(id)).map(([action]) => action),
          ['JOIN', 'POST', 'RESOLVE', 'JOIN'],
        );
      });

      it('still refuses a non-admin stranger in a disputed trade', async () => {
        const { id, buyer } = await paidTrade();
        await move(id, buyer, 'DISPUTED');
        assert.match(await expectRefusal(client(uniqueUser('eve')), destinations.tradeChat(id)), /not yours/);
      });
    });
  }
}

describe('gateway: a mediator on a gateway of its own (role gateway, API_URL)', function () {
  this.timeout(60_000);
  let t: GatewayTestSystem;
  const clients: StompTestClient[] = [];
  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS.find((d) => d.db === 'postgres')!);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect()));
  });
  after(async () => {
    await t?.close();
  });

  async function disputedTrade(): Promise<string> {
    const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
    const id = await openTrade(t, buyer, seller);
    for (const status of ['PAID', 'DISPUTED']) await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(buyer)).send({ status }).expect(200);
    return id;
  }

  it('records the join through the api at API_URL', async () => {
    const gateway = await startSecondGateway(t, { API_URL: t.baseUrl });
    try {
      const id = await disputedTrade();
      const mediator = await StompTestClient.connect(gateway.baseUrl, 'websocket', { authorization: t.auth('root', { admin: true }) });
      clients.push(mediator);
      await mediator.subscribe(destinations.tradeChat(id));
      const audit = await t.http
        .get(`/p2p/trades/${id}/audit`)
        .set('Authorization', t.auth('root', { admin: true }))
        .expect(200);
      assert.deepEqual(
        audit.body.map((e: { action: string }) => e.action),
        ['JOIN'],
      );
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.disconnect()));
      await gateway.close();
    }
  });

  it('refuses the subscription when the join cannot be recorded (no api), so no mediator follows a room unrecorded', async () => {
    const gateway = await startSecondGateway(t);
    try {
      const id = await disputedTrade();
      const mediator = new StompTestClient(gateway.baseUrl, 'websocket', { authorization: t.auth('root', { admin: true }) });
      clients.push(mediator);
      assert.match(await expectRefusal(mediator, destinations.tradeChat(id)), /try again later/);
      const audit = await t.http
        .get(`/p2p/trades/${id}/audit`)
        .set('Authorization', t.auth('root', { admin: true }))
        .expect(200);
      assert.deepEqual(audit.body, []);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.disconnect()));
      await gateway.close();
    }
  });
});
