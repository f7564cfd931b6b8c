import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { StompTestClient, CLIENT_KINDS } from '../support/stomp-clients.js';
import { captureEvents } from '../support/amqp.js';
import { eventually } from '../support/eventually.js';
import { AsyncApiChecker, OpenApiChecker, assertValidAsyncApi, assertValidOpenApi, expressRoutes } from '../support/api-documents.js';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import { appDestinations } from '../../src/contract/app-destinations.js';
import { typingEvent } from '../../src/events/events.js';
import { SYNC_PATHS } from '../../src/contract/sync.js';

const UNKNOWN_TRADE = '00000000-0000-4000-8000-000000000000';

for (const drivers of DRIVER_SETS) {
  describe(`OpenAPI and AsyncAPI documents against the real system [${drivers.name}]`, () => {
    let t: GatewayTestSystem;
    let openApi: Record<string, any>;
    let asyncApi: Record<string, any>;
    before(async () => {
      // Presence snapshots every second, so the exchange carries one within the test.
      t = await startGatewayTestSystem(drivers, { GATEWAY_PRESENCE_REFRESH_MS: '1000' });
      openApi = (await t.http.get('/openapi.json').expect(200).expect('content-type', /json/)).body;
      asyncApi = (await t.http.get('/asyncapi.json').expect(200).expect('content-type', /json/)).body;
    });
    after(() => t?.close());

    it('serves a valid OpenAPI 3.1 and a valid AsyncAPI 3.0 document, without a token', () => {
      assertValidOpenApi(openApi);
      assertValidAsyncApi(asyncApi);
    });

    it('describes every route Express serves, and no route it does not serve', () => {
      // `/api/p2p` repeats `/p2p` for the plan's client; the document says so once in its description.
      // The sync route is served in front of Express (src/http/sync-route.ts).
      const lean = SYNC_PATHS.map((path) => `GET ${path}`);
      const served = new Set([...expressRoutes(t.system.app, ['/p2p', '/api/p2p']), ...lean].map((r) => r.replace(' /api/p2p/', ' /p2p/')));
      const described = new Set(
        Object.entries(openApi.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
      );
      assert.deepEqual([...served].sort(), [...described].sort());
    });

    it('matches every real response of every operation, success and failure', async () => {
      const api = new OpenApiChecker(openApi);
      const call = async (method: 'get' | 'post', template: string, path: string, user?: string, body?: object): Promise<Response> => {
        let req = t.http[method](path);
        if (user) req = req.set('Authorization', t.auth(user, { admin: user === admin }));
        const res = await (body ? req.send(body) : req);
        api.check(method, template, res);
        return res;
      };
      const [buyer, seller, other, admin] = [uniqueUser('buyer'), uniqueUser('seller'), uniqueUser('other'), uniqueUser('admin')];

      const opened = await call('post', '/p2p/trades', '/p2p/trades', buyer, { sellerId: seller, amount: 12.5, asset: 'USDT', fiat: 'VND' });
      assert.equal(opened.status, 201);
      const id = opened.body.id as string;
      await call('post', '/p2p/trades', '/p2p/trades', buyer, { sellerId: 'a b', amount: '1', asset: 'USDT', fiat: 'VND' });
      await call('post', '/p2p/trades', '/p2p/trades', undefined, {});
      await call('get', '/p2p/trades', '/p2p/trades?limit=5', seller);
      await call('get', '/p2p/trades', '/p2p/trades?limit=0', seller);
      await call('get', '/p2p/trades/{tradeId}', `/p2p/trades/${id}`, seller);
      await call('get', '/p2p/trades/{tradeId}', `/p2p/trades/${id}`, other);
      await call('get', '/p2p/trades/{tradeId}', `/p2p/trades/${UNKNOWN_TRADE}`, buyer);
      await call('post', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat`, buyer, { message: 'Chào bạn 👋' });
      for (const message of ['once', 'once', 'another text']) {
        await call('post', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat`, buyer, { message, clientMessageId: 'send-1' });
      }
      await call('post', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat`, buyer, { message: '' });
      await call('post', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat`, other, { message: 'hi' });
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, seller, { status: 'PAID' });
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, buyer, { status: 'PAID' });
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, buyer, { status: 'PENDING' });
      await call('post', '/p2p/trades/{tradeId}/read', `/p2p/trades/${id}/read`, seller, { seq: 1 });
      await call('post', '/p2p/trades/{tradeId}/read', `/p2p/trades/${id}/read`, seller, { seq: 0 });
      await call('post', '/p2p/trades/{tradeId}/read', `/p2p/trades/${id}/read`, other, { seq: 1 });
      await call('post', '/p2p/trades/{tradeId}/read', `/p2p/trades/${UNKNOWN_TRADE}/read`, seller, { seq: 1 });
      await call('get', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat?afterSeq=0`, seller);
      await call('get', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat?since=2000-01-01`, buyer);
      await call('get', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat?since=x`, buyer);
      const notifications = await eventually(async () => {
        const res = await call('get', '/p2p/notifications', '/p2p/notifications?afterSeq=0', seller);
        assert.ok(res.body.length >= 2, 'the worker has notified the seller of the trade and of PAID');
        return res.body as { id: string }[];
      });
      await call('post', '/p2p/notifications/{id}/read', `/p2p/notifications/${notifications[0]!.id}/read`, seller);
      await call('post', '/p2p/notifications/{id}/read', `/p2p/notifications/${notifications[0]!.id}/read`, buyer);
      await call('get', '/p2p/sync', `/p2p/sync?trades=${id}:0,${UNKNOWN_TRADE}:0&notificationsAfterSeq=0`, seller);
      await call('get', '/p2p/sync', `/p2p/sync?trades=${id}:x`, seller);
      await call('get', '/p2p/sync', '/p2p/sync');
      // The dispute: the mediator joins, reads, posts and resolves; the audit and the Disputes list.
      await call('post', '/p2p/trades/{tradeId}/audit/joins', `/p2p/trades/${id}/audit/joins`, admin);
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, buyer, { status: 'DISPUTED' });
      await call('post', '/p2p/trades/{tradeId}/audit/joins', `/p2p/trades/${id}/audit/joins`, admin);
      await call('get', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat?afterSeq=0`, admin);
      await call('post', '/p2p/trades/{tradeId}/chat', `/p2p/trades/${id}/chat`, admin, { message: 'The mediator is here.' });
      await call('get', '/p2p/disputes', '/p2p/disputes', admin);
      await call('get', '/p2p/disputes', '/p2p/disputes', buyer);
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, seller, { status: 'CANCELLED' });
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, admin, { status: 'RELEASED', reason: '' });
      await call('post', '/p2p/trades/{tradeId}/status', `/p2p/trades/${id}/status`, admin, { status: 'RELEASED', reason: 'Payment confirmed.' });
      await call('get', '/p2p/trades/{tradeId}/audit', `/p2p/trades/${id}/audit`, admin);
      await call('get', '/p2p/trades/{tradeId}/audit', `/p2p/trades/${id}/audit`, buyer);
      await call('get', '/p2p/trades/{tradeId}/audit', `/p2p/trades/${UNKNOWN_TRADE}/audit`, admin);
      await call('get', '/p2p/trades/{tradeId}/transcript', `/p2p/trades/${id}/transcript`, buyer);
      await call('get', '/p2p/trades/{tradeId}/transcript', `/p2p/trades/${id}/transcript`, other);
      await call('get', '/p2p/trades/{tradeId}/transcript/verify', `/p2p/trades/${id}/transcript/verify`, buyer);
      api.check(
        'get',
        '/p2p/trades/{tradeId}/transcript/verify',
        await t.http.get(`/p2p/trades/${id}/transcript/verify`).set('Authorization', t.auth('root', { admin: true })),
      );
      await call('get', '/p2p/transcript-keys', '/p2p/transcript-keys');
      await call('get', '/healthz', '/healthz');
      await call('get', '/readyz', '/readyz');
      await call('get', '/metrics', '/metrics');
      await call('post', '/demo/login', '/demo/login', undefined, { userId: buyer });
      await call('post', '/demo/login', '/demo/login', undefined, { userId: '' });
      await call('get', '/openapi.json', '/openapi.json');
      await call('get', '/asyncapi.json', '/asyncapi.json');
      await call('get', '/', '/');
      await call('get', '/config.json', '/config.json');
      await call('get', '/favicon.ico', '/favicon.ico');

      // Every documented success of every operation was met.
      const successes = Object.entries(openApi.paths as Record<string, Record<string, { responses: object }>>).flatMap(([path, ops]) =>
        Object.entries(ops).flatMap(([method, op]) =>
          Object.keys(op.responses)
            .filter((status) => status.startsWith('2'))
            .map((status) => `${method.toUpperCase()} ${path} ${status}`),
        ),
      );
      assert.deepEqual(
        successes.filter((o) => !api.seen.has(o)),
        [],
      );
      for (const failure of ['400', '401', '403', '404', '409'])
        assert.ok(
          [...api.seen].some((s) => s.endsWith(` ${failure}`)),
          failure,
        );
    });

    it('matches every STOMP destination’s real MESSAGE bodies', async () => {
      const checker = new AsyncApiChecker(asyncApi);
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const clients = await Promise.all([
        StompTestClient.connect(t.baseUrl, CLIENT_KINDS[0]!, { authorization: t.auth(buyer) }),
        StompTestClient.connect(t.baseUrl, CLIENT_KINDS[0]!, { authorization: t.auth('root', { admin: true }) }),
      ]);
      const [client, admin] = clients as [StompTestClient, StompTestClient];
      try {
        const id = await openTrade(t, buyer, seller);
        const inboxes = new Map([
          [destinations.allTrades, await admin.subscribe(destinations.allTrades)],
          [destinations.trade(id), await client.subscribe(destinations.trade(id))],
          [destinations.tradeChat(id), await client.subscribe(destinations.tradeChat(id))],
          [destinations.tradeRead(id), await client.subscribe(destinations.tradeRead(id))],
          [destinations.userTrades(buyer), await client.subscribe(destinations.userTrades(buyer))],
          [destinations.userNotifications(buyer), await client.subscribe(destinations.userNotifications(buyer))],
          [userDestinations.trades, await client.subscribe(userDestinations.trades)],
          [userDestinations.notifications, await client.subscribe(userDestinations.notifications)],
          [userDestinations.errors, await client.subscribe(userDestinations.errors)],
          [destinations.tradePresence(id), await client.subscribe(destinations.tradePresence(id))],
          [destinations.tradeTyping(id), await client.subscribe(destinations.tradeTyping(id))],
        ]);
        // A SEND refused as a user error, for /user/queue/errors.
        client.publish(appDestinations.chat(id), '{"message":""}');
        // As a gateway relays a party's typing.
        await t.system.bus.publishTransient(typingEvent({ tradeId: id, userId: seller, at: new Date().toISOString() }));
        await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth(seller)).send({ message: 'Xin chào' }).expect(201);
        await t.http.post(`/p2p/trades/${id}/read`).set('Authorization', t.auth(buyer)).send({ seq: 1 }).expect(200);
        // The seller's release notifies the buyer and sends the buyer a system message.
        await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
        await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(seller)).send({ status: 'RELEASED' }).expect(200);
        await eventually(() => {
          for (const [destination, inbox] of inboxes) assert.ok(inbox.messages.length > 0, destination);
        });
        for (const [destination, inbox] of inboxes) {
          for (const message of inbox.messages) checker.check(message.headers.destination!, JSON.parse(message.body));
          assert.ok(inbox.messages.every((m) => m.headers.destination === destination));
        }
        assert.deepEqual(
          [...checker.seen].sort(),
          Object.keys(asyncApi.channels)
            .filter((c) => c.startsWith('stomp-'))
            .sort(),
        );
        // What clients SEND: the bodies the docs and the client use.
        for (const [destination, body] of [
          [appDestinations.chat(id), { message: 'Xin chào', clientMessageId: 'c-1' }],
          [appDestinations.read(id), { seq: 1 }],
          [appDestinations.typing(id), {}],
        ] as const) {
          checker.check(destination, body);
        }
        assert.ok(
          Object.keys(asyncApi.channels)
            .filter((c) => c.startsWith('app-'))
            .every((c) => checker.seen.has(c)),
        );
      } finally {
        await Promise.all(clients.map((c) => c.disconnect()));
      }
    });

    if (drivers.bus === 'rabbitmq') {
      it('matches every event on the exchange, under the routing key its channel names', async () => {
        const checker = new AsyncApiChecker(asyncApi);
        const capture = await captureEvents(t.amqp.exchange);
        try {
          const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
          const id = await openTrade(t, buyer, seller);
          await t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', t.auth(buyer)).send({ message: 'hi' }).expect(201);
          await t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);
          await t.http.post(`/p2p/trades/${id}/read`).set('Authorization', t.auth(seller)).send({ seq: 1 }).expect(200);
          // The gateway's own: presence announcements (every refresh), and typing it relays.
          await t.system.bus.publishTransient(typingEvent({ tradeId: id, userId: buyer, at: new Date().toISOString() }));
          const amqpChannels = Object.keys(asyncApi.channels).filter((c) => c.startsWith('amqp-'));
          await eventually(() => {
            for (const m of capture.messages) checker.check(m.routingKey, m.body);
            assert.deepEqual([...checker.seen].sort(), amqpChannels.sort());
          });
        } finally {
          await capture.close();
        }
      });
    }
  });
}
