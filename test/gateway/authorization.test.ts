import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { JWT_SECRET } from '../support/services.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { expectRefusal, StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';

for (const drivers of DRIVER_SETS) {
  for (const kind of TWO_TRANSPORTS) {
    describe(`gateway authorization (${drivers.name}, ${kind})`, () => {
      let t: GatewayTestSystem;
      let buyer: string;
      let seller: string;
      let tradeId: string;
      const clients: StompTestClient[] = [];

      before(async () => {
        t = await startGatewayTestSystem(drivers);
        [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        tradeId = await openTrade(t, buyer, seller);
      });
      afterEach(async () => {
        await Promise.all(clients.splice(0).map((c) => c.disconnect()));
      });
      after(async () => {
        await t?.close();
      });

      const client = (authorization: string | undefined) => {
        const c = new StompTestClient(t.baseUrl, kind, { authorization });
        clients.push(c);
        return c;
      };
      const sendChat = (text: string) => t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: text }).expect(201);

      describe('CONNECT', () => {
        const tokens: [string, () => string | undefined, RegExp][] = [
          ['no Authorization header', () => undefined, /missing Authorization/],
          ['a value that is not a bearer token', () => 'Basic YWxpY2U6c2VjcmV0', /Bearer/],
          ['a token signed with another secret', () => `Bearer ${jwt.sign({ sub: 'mallory' }, 'another-secret-that-is-at-least-32-chars')}`, /invalid token/],
          ['a token with another algorithm', () => `Bearer ${jwt.sign({ sub: 'mallory' }, JWT_SECRET, { algorithm: 'HS512' })}`, /invalid token/],
          ['an expired token', () => `Bearer ${jwt.sign({ sub: buyer, exp: Math.floor(Date.now() / 1000) - 60 }, JWT_SECRET)}`, /token expired/],
        ];
        for (const [name, authorization, message] of tokens) {
          it(`refuses ${name} with ERROR and a close`, async () => {
            const refused = client(authorization());
            assert.match(await expectRefusal(refused), message);
            await assert.rejects(refused.connected);
          });
        }

        it('counts refused tokens in the metrics', async () => {
          assert.match(await expectRefusal(client(undefined)), /missing Authorization/);
          const metrics = await t.http.get('/metrics').expect(200);
          assert.match(metrics.text, /gateway_session_errors_total\{reason="auth",role="all"\} [1-9]/);
        });
      });

      describe('SUBSCRIBE', () => {
        it('lets the participants, the user and admins subscribe where the table allows', async () => {
          const buyerClient = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(buyer) });
          clients.push(buyerClient);
          for (const destination of [
            `/topic/trades/${tradeId}`,
            `/topic/trades/${tradeId}/chat`,
            `/topic/users/${buyer}/trades`,
            `/topic/users/${buyer}/notifications`,
          ]) {
            await buyerClient.subscribe(destination);
          }
          const admin = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth('root', { admin: true }) });
          clients.push(admin);
          await admin.subscribe('/topic/trades');
          await admin.subscribe(`/topic/trades/${tradeId}`);
        });

        const forbidden: [string, () => string, () => string][] = [
          ['every trade, for a non-admin', () => buyer, () => '/topic/trades'],
          ["someone else's trade", () => 'eve', () => `/topic/trades/${tradeId}`],
          ["someone else's trade chat", () => 'eve', () => `/topic/trades/${tradeId}/chat`],
          ["another user's trades", () => 'eve', () => `/topic/users/${buyer}/trades`],
          ["another user's notifications", () => seller, () => `/topic/users/${buyer}/notifications`],
          ['an unknown trade', () => buyer, () => '/topic/trades/00000000-0000-4000-8000-000000000000'],
          ['a trade id spelt in upper case', () => buyer, () => `/topic/trades/${tradeId.toUpperCase()}`],
          ['a wildcard trade', () => buyer, () => '/topic/trades/*'],
          ['a wildcard chat', () => buyer, () => '/topic/trades/*/chat'],
          ['a recursive wildcard', () => buyer, () => '/topic/**'],
          ['an AMQP-style wildcard', () => buyer, () => '/topic/#'],
          ['a path that climbs out of a user', () => 'x', () => `/topic/users/x/../${buyer}/trades`],
          ['a wildcard user', () => buyer, () => '/topic/users/*/notifications'],
          ['a trailing slash', () => buyer, () => `/topic/users/${buyer}/trades/`],
          ['a queue', () => buyer, () => `/queue/users/${buyer}/trades`],
          // Spring's /user/{name}/queue/... form: a session reaches only its own user queues, by the bare /user/queue/... name.
          ["another user's user queue, by name", () => seller, () => `/user/${buyer}/queue/notifications`],
          ['a user queue with a trailing slash', () => buyer, () => '/user/queue/errors/'],
          ['a wildcard user queue', () => buyer, () => '/user/queue/*'],
        ];
        for (const [name, user, destination] of forbidden) {
          it(`refuses ${name} with ERROR and a close`, async () => {
            assert.match(await expectRefusal(client(t.auth(user())), destination()), /subscription refused/);
          });
        }

        it('refuses trade chat to admins (they are not participants)', async () => {
          assert.match(await expectRefusal(client(t.auth('root', { admin: true })), `/topic/trades/${tradeId}/chat`), /not yours/);
        });

        it('delivers nothing to a refused subscriber', async () => {
          const buyerClient = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(buyer) });
          clients.push(buyerClient);
          const chat = await buyerClient.subscribe(`/topic/trades/${tradeId}/chat`);
          const eve = client(t.auth('eve'));
          await expectRefusal(eve, `/topic/trades/${tradeId}/chat`);
          await sendChat('for the participants only');
          await eventually(() => assert.equal(chat.bodies().at(-1)?.message, 'for the participants only'));
          assert.equal(chat.bodies().at(-1)?.senderRole, 'BUYER', 'pushed with the REST shape, senderRole included');
          assert.deepEqual(eve.received, []);
        });
      });

      it('refuses SEND to a topic and delivers nothing from it', async () => {
        const sellerClient = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(seller) });
        clients.push(sellerClient);
        const chat = await sellerClient.subscribe(`/topic/trades/${tradeId}/chat`);
        const sender = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(buyer) });
        clients.push(sender);
        sender.publish(`/topic/trades/${tradeId}/chat`, JSON.stringify({ message: 'forged' }));
        assert.match(await expectRefusal(sender), /SEND only to application destinations/);

        await sendChat('real');
        await eventually(() => assert.ok(chat.bodies().some((m) => m.message === 'real')));
        assert.ok(!chat.bodies().some((m) => m.message === 'forged'));
      });
    });
  }
}
