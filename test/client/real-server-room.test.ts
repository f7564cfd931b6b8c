import assert from 'node:assert/strict';
import { systemClock } from '../../client/src/clock.js';
import { RealtimeClient, type RealtimeEvents } from '../../client/src/realtime-client.js';
import { ApiError, type Fetch } from '../../client/src/rest-api.js';
import type { StompConnector, StompLink, StompLinkHandlers } from '../../client/src/stomp-link.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';
import { eventually } from '../support/eventually.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { DRIVER_SETS, openTrade } from '../support/system.js';

type Recorded = { [K in 'read' | 'typing' | 'presence']: RealtimeEvents[K][] };

/**
 * @stomp/stompjs links whose RECEIPTs the test can swallow, and which it can drop: a SEND the
 * server carried out whose RECEIPT was lost with the socket, as a dying network would have it.
 */
class LossyLinks {
  swallowReceipts = false;
  #down = false;
  #current: { link: StompLink; handlers: StompLinkHandlers } | undefined;
  // SENDs whose RECEIPT was swallowed, on whichever link they went.
  readonly #waiting = new Set<(err: Error) => void>();

  constructor(private readonly real: StompConnector) {}

  readonly connector: StompConnector = (headers, handlers) => {
    if (this.#down) return unanswered();
    const link = this.real(headers, handlers);
    this.#current = { link, handlers };
    return {
      subscribe: (destination, onMessage) => link.subscribe(destination, onMessage),
      close: () => link.close(),
      refused: (receipt, error) => link.refused(receipt, error),
      send: (destination, body, receipt) => {
        const sent = link.send(destination, body, receipt);
        if (!this.swallowReceipts || receipt === undefined) return sent;
        return new Promise<void>((_, reject) => {
          this.#waiting.add(reject);
          sent.catch(reject);
        });
      },
    };
  };

  /**
   * The connection ends, as a cut network ends it, and the network stays cut: SENDs still
   * waiting fail with it, and a reconnect gets no answer, however soon the client's jittered
   * backoff (0 to 5 s) tries it, so the retry (after about 1 s) goes over REST. A reconnect that
   * got through first took the retry over the new socket, whose RECEIPT was swallowed too: the
   * test then hung until its timeout.
   */
  drop(): void {
    const current = this.#current;
    if (!current) throw new Error('no link yet');
    this.#down = true;
    this.swallowReceipts = false;
    current.link.close();
    for (const reject of this.#waiting) reject(new Error('the connection ended before the RECEIPT'));
    this.#waiting.clear();
    current.handlers.onLost({ reason: 'dropped by the test', connected: true });
  }
}

/** A connection attempt into the cut network: no answer, so it never connects and never ends by itself. */
function unanswered(): StompLink {
  return {
    subscribe: () => {
      throw new Error('not connected');
    },
    send: () => Promise.reject(new Error('not connected')),
    refused: () => {},
    close: () => {},
  };
}

/** The library's client in Node over SockJS, recording its REST writes and its room events. */
function startClient(t: GatewayTestSystem, userId: string) {
  const restWrites: string[] = [];
  const fetch: Fetch = (url, init) => {
    if (init.method === 'POST') restWrites.push(new URL(url).pathname);
    return globalThis.fetch(url, init);
  };
  const links = new LossyLinks(
    stompjsConnector({ urls: [`${t.baseUrl}/ws`], transport: 'sockjs', heartbeatMs: 2_000, connectTimeoutMs: 3_000, receiptTimeoutMs: 3_000 }),
  );
  const client = new RealtimeClient(
    // A slow reconnect: the retry after the drop goes over REST.
    { userId, getToken: () => t.token(userId), baseUrl: t.baseUrl, reconnect: { baseMs: 5_000, maxMs: 5_000 } },
    {
      connector: links.connector,
      fetch,
      clock: systemClock,
      random: Math.random,
    },
  );
  const events: Recorded = { read: [], typing: [], presence: [] };
  client.on('read', (e) => events.read.push(e));
  client.on('typing', (e) => events.typing.push(e));
  client.on('presence', (e) => events.presence.push(e));
  client.start();
  return { client, restWrites, events, links };
}

for (const drivers of DRIVER_SETS) {
  describe(`client library in a trade room against a real api and gateway (${drivers.name})`, function () {
    this.timeout(30_000);
    let t: GatewayTestSystem;
    const clients: RealtimeClient[] = [];

    before(async () => {
      t = await startGatewayTestSystem(drivers);
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.stop();
    });
    after(async () => {
      await t?.close();
    });

    async function room() {
      const [buyerId, sellerId] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyerId, sellerId);
      const buyer = startClient(t, buyerId);
      const seller = startClient(t, sellerId);
      clients.push(buyer.client, seller.client);
      await eventually(() => assert.deepEqual([buyer.client.state, seller.client.state], ['live', 'live']), 10_000);
      // Both have the trade on screen: its receipts, typing and presence are followed.
      await Promise.all([buyer.client.watchTrade(tradeId, { room: true }), seller.client.watchTrade(tradeId, { room: true })]);
      return { tradeId, buyerId, sellerId, buyer, seller };
    }

    it('sends over the socket: resolved after the commit, stored once, delivered to both, no REST write', async () => {
      const { tradeId, buyerId, buyer, seller } = await room();
      const stored = async () =>
        ((await (await fetch(`${t.baseUrl}/p2p/trades/${tradeId}/chat`, { headers: { Authorization: t.auth(buyerId) } })).json()) as { message: string }[]).map(
          (m) => m.message,
        );
      await buyer.client.send(tradeId, 'Qua socket 👋', { clientMessageId: 'socket-1' });
      // Resolved by the RECEIPT, which comes after the commit: REST already has it.
      assert.deepEqual(await stored(), ['Qua socket 👋']);
      // The same key again (a retry after a lost RECEIPT): nothing new is stored.
      await buyer.client.send(tradeId, 'Qua socket 👋', { clientMessageId: 'socket-1' });
      assert.deepEqual(await stored(), ['Qua socket 👋']);
      for (const side of [buyer, seller]) {
        await eventually(
          () =>
            assert.deepEqual(
              side.client.messages(tradeId).map((m) => m.message),
              ['Qua socket 👋'],
            ),
          5_000,
        );
      }
      assert.deepEqual(buyer.restWrites, []);
    });

    it('a SEND carried out whose RECEIPT was lost with the socket is retried over REST with its key: stored once', async () => {
      const { tradeId, buyerId, buyer } = await room();
      buyer.links.swallowReceipts = true;
      let settled = false;
      const sending = buyer.client.send(tradeId, 'Mất biên nhận').finally(() => (settled = true));
      const stored = async () =>
        (await (await fetch(`${t.baseUrl}/p2p/trades/${tradeId}/chat`, { headers: { Authorization: t.auth(buyerId) } })).json()) as { id: string }[];
      await eventually(async () => assert.equal((await stored()).length, 1), 5_000);
      assert.equal(settled, false, 'resolved without a RECEIPT');
      buyer.links.drop();
      await sending;
      assert.equal(buyer.client.state, 'polling');
      assert.deepEqual(
        buyer.restWrites.filter((path) => path.endsWith('/chat')),
        [`/p2p/trades/${tradeId}/chat`],
      );
      assert.equal((await stored()).length, 1);
    });

    it('rejects a refused SEND with the user error and keeps the connection', async () => {
      const { tradeId, buyer } = await room();
      await assert.rejects(
        buyer.client.send(tradeId, 'x'.repeat(2001)),
        (err: unknown) => err instanceof ApiError && err.status === 400 && err.code === 'bad_request',
      );
      assert.equal(buyer.client.state, 'live');
      await buyer.client.send(tradeId, 'still connected');
      assert.deepEqual(buyer.restWrites, []);
    });

    it('carries read receipts, typing and presence between the two parties', async () => {
      // Each assert.ok has a message: without one, each failed try of eventually() has Node read and
      // parse this file for the expression's text, which can starve the server in this process.
      const { tradeId, buyerId, sellerId, buyer, seller } = await room();
      await eventually(
        () =>
          assert.ok(
            buyer.events.presence.some((p) => p.userId === sellerId && p.online),
            'the seller shown online',
          ),
        10_000,
      );
      await seller.client.send(tradeId, 'Đọc giúp mình');
      await eventually(() => assert.equal(buyer.client.messages(tradeId).length, 1), 5_000);
      await buyer.client.markRead(tradeId, buyer.client.messages(tradeId)[0]!.seq);
      await eventually(
        () =>
          assert.ok(
            seller.events.read.some((r) => r.userId === buyerId && r.seq === 1),
            "the buyer's read receipt",
          ),
        5_000,
      );
      assert.equal(buyer.client.typing(tradeId), true);
      await eventually(
        () =>
          assert.ok(
            seller.events.typing.some((e) => e.userId === buyerId && e.tradeId === tradeId),
            'the buyer typing',
          ),
        5_000,
      );
      assert.deepEqual(buyer.restWrites, []);
    });
  });
}
