import assert from 'node:assert/strict';
import { Client, type IMessage } from '@stomp/stompjs';
import jwt from 'jsonwebtoken';
import { CLOSE_CODES } from '../../src/contract/close-codes.js';
import { destinations } from '../../src/contract/destinations.js';
import type { ChatMessage } from '../../src/contract/shapes.js';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { JWT_SECRET } from '../support/services.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { socketFactory, StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';

/** A token for `userId` that expires `seconds` from now. */
const expiringIn = (userId: string, seconds: number) =>
  `Bearer ${jwt.sign({ sub: userId, roles: [], exp: Math.floor(Date.now() / 1000) + seconds }, JWT_SECRET)}`;

for (const drivers of DRIVER_SETS) {
  for (const kind of TWO_TRANSPORTS) {
    describe(`gateway: a session lives no longer than its token (${drivers.name}, ${kind})`, function () {
      this.timeout(30_000);
      let t: GatewayTestSystem;
      let buyer: string;
      let seller: string;
      let tradeId: string;

      before(async () => {
        // No leeway, so the tests wait for the token alone.
        t = await startGatewayTestSystem(drivers, { GATEWAY_TOKEN_LEEWAY_MS: '0' });
        [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        tradeId = await openTrade(t, buyer, seller);
      });
      after(async () => {
        await t?.close();
      });

      const sendChat = (text: string) => t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(seller)).send({ message: text }).expect(201);

      it('ends it at expiry with ERROR "token expired" and close code tokenExpired, leaving no subscription', async () => {
        const client = await StompTestClient.connect(t.baseUrl, kind, { authorization: expiringIn(buyer, 3) });
        const inbox = await client.subscribe(destinations.tradeChat(tradeId));
        await sendChat('before expiry');
        await eventually(() => assert.equal(inbox.messages.length, 1));
        const subscribed = t.system.gateway!.stats().subscriptions;
        assert.ok(subscribed >= 1);

        const error = await client.firstError;
        assert.match(error.headers.message ?? '', /token expired/);
        assert.equal(await client.closed, CLOSE_CODES.tokenExpired);
        assert.equal(t.system.gateway!.stats().subscriptions, subscribed - 1);
        await sendChat('after expiry');
        await sleep(300);
        assert.equal(inbox.messages.length, 1, 'a message reached the ended session');
      });

      it('a stompjs app that refreshes its token in beforeConnect loses nothing across the expiry', async () => {
        const seen: ChatMessage[] = [];
        const closeCodes: number[] = [];
        let connects = 0;
        const lastSeq = () => seen.reduce((max, m) => Math.max(max, m.seq), 0);
        const take = (m: ChatMessage) => {
          if (!seen.some((s) => s.seq === m.seq)) seen.push(m);
        };
        // The recipe of docs/security.md: a fresh token at every (re)connect, then subscribe and
        // catch up over REST from the last seq seen.
        const client = new Client({
          webSocketFactory: socketFactory(t.baseUrl, kind),
          reconnectDelay: 200,
          heartbeatIncoming: 0,
          heartbeatOutgoing: 0,
          debug: () => {},
          beforeConnect: (c) => {
            c.connectHeaders = { Authorization: connects === 0 ? expiringIn(buyer, 3) : t.auth(buyer) };
          },
          onConnect: () => {
            connects++;
            const receipt = `sub-${connects}`;
            client.watchForReceipt(receipt, () => {
              void t.http
                .get(`/p2p/trades/${tradeId}/chat`)
                .query({ afterSeq: lastSeq(), limit: 1000 })
                .set('Authorization', t.auth(buyer))
                .then((res) => (res.body as ChatMessage[]).forEach(take));
            });
            client.subscribe(destinations.tradeChat(tradeId), (m: IMessage) => take(JSON.parse(m.body) as ChatMessage), { receipt });
          },
          onWebSocketClose: (event: { code?: number }) => closeCodes.push(event.code ?? 0),
        });
        client.activate();
        try {
          await eventually(() => assert.equal(connects, 1));
          // The other party keeps talking through the expiry and the reconnect.
          const sendUntil = Date.now() + 5_000;
          for (let n = 0; Date.now() < sendUntil; n++) {
            await sendChat(`message ${n}`);
            await sleep(50);
          }
          await eventually(async () => {
            const stored = (await t.http.get(`/p2p/trades/${tradeId}/chat`).query({ afterSeq: 0, limit: 1000 }).set('Authorization', t.auth(buyer)))
              .body as ChatMessage[];
            assert.deepEqual(
              seen.map((m) => m.seq).sort((a, b) => a - b),
              stored.map((m) => m.seq),
            );
          });
          assert.ok(connects >= 2, 'the session was not ended at expiry');
          assert.equal(closeCodes[0], CLOSE_CODES.tokenExpired);
        } finally {
          await client.deactivate();
        }
      });
    });
  }
}
