import assert from 'node:assert/strict';
import { destinations, userDestinations } from '../../src/contract/destinations.js';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket, type Framing } from '../support/raw-stomp.js';

// Raw frames, as a STOMP 1.0 client (stomp.py's 1.0 protocol, stompjs 2 without accept-version) writes them.
for (const drivers of DRIVER_SETS) {
  describe(`gateway: STOMP 1.0 optional forms, CONNECTED user-name and a stompjs 2 send, raw frames (${drivers.name})`, function () {
    this.timeout(60_000);
    let t: GatewayTestSystem;
    const sockets: RawStompSocket[] = [];

    before(async () => {
      t = await startGatewayTestSystem(drivers);
    });
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
    });
    after(async () => {
      await t?.close();
    });

    const connect10 = async (userId: string, framing: Framing = 'raw') => {
      const socket = await RawStompSocket.open(t.baseUrl, framing);
      sockets.push(socket);
      // No accept-version: STOMP 1.0.
      socket.send(frame('CONNECT', { Authorization: t.auth(userId) }));
      return { socket, connected: await socket.next('CONNECTED') };
    };
    const pay = (tradeId: string, buyer: string) =>
      t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(buyer)).send({ status: 'PAID' }).expect(200);

    for (const framing of ['raw', 'sockjs'] as const) {
      it(`names the user in CONNECTED, takes a SUBSCRIBE without id and an UNSUBSCRIBE by destination (${framing})`, async () => {
        const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
        const tradeId = await openTrade(t, buyer, seller);
        const { socket, connected } = await connect10(buyer, framing);
        assert.equal(connected.headers.version, '1.0');
        assert.equal(connected.headers['user-name'], buyer);

        for (const destination of [destinations.trade(tradeId), userDestinations.trades]) {
          socket.send(frame('SUBSCRIBE', { destination, receipt: destination }));
          assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], destination);
        }
        await pay(tradeId, buyer);
        const pushed = [await socket.next('MESSAGE'), await socket.next('MESSAGE')];
        // The destination serves as the subscription id.
        assert.deepEqual(pushed.map((m) => m.headers.subscription).sort(), [destinations.trade(tradeId), userDestinations.trades].sort());
        for (const m of pushed) assert.equal(m.headers.destination, m.headers.subscription);

        socket.send(frame('UNSUBSCRIBE', { destination: userDestinations.trades, receipt: 'gone' }));
        assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], 'gone');
        await t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(seller)).send({ status: 'RELEASED' }).expect(200);
        const after = await socket.next('MESSAGE');
        assert.equal(after.headers.subscription, destinations.trade(tradeId));
        // Give a push to the ended subscription time to show up.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(
          socket.frames.filter((f) => f.command === 'MESSAGE').map((f) => f.headers.subscription),
          [],
        );
      });
    }

    it('takes a 1.0 SUBSCRIBE without id to a destination longer than the 128-character id limit (the destination serves as id)', async () => {
      // The longest user id there is, so /topic/users/<id>/notifications is 155 characters.
      const seller = uniqueUser('s'.repeat(119));
      const buyer = uniqueUser('buyer');
      const { socket } = await connect10(seller);
      const destination = destinations.userNotifications(seller);
      assert.ok(destination.length > 128);
      socket.send(frame('SUBSCRIBE', { destination, receipt: 'sub' }));
      assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], 'sub');
      // Opening a trade notifies its seller.
      await openTrade(t, buyer, seller);
      const pushed = await socket.next('MESSAGE');
      assert.equal(pushed.headers.subscription, destination);
    });

    it("takes a stompjs 2 session's client.send('/app/trades/<id>/chat', {}, body) frame by frame (1.1, content-length, no content-type, no receipt)", async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const socket = await RawStompSocket.open(t.baseUrl, 'sockjs');
      sockets.push(socket);
      // What stompjs 2.3.3 writes, header order included.
      socket.send(frame('CONNECT', { Authorization: t.auth(buyer), 'accept-version': '1.1,1.0', 'heart-beat': '10000,10000' }));
      assert.equal((await socket.next('CONNECTED')).headers.version, '1.1');
      socket.send(frame('SUBSCRIBE', { id: 'sub-0', destination: destinations.tradeChat(tradeId) }));
      const body = JSON.stringify({ message: 'Đã chuyển khoản ✅' });
      socket.send(frame('SEND', { destination: `/app/trades/${tradeId}/chat`, 'content-length': String(Buffer.byteLength(body)) }, body));
      const pushed = await socket.next('MESSAGE');
      assert.equal(JSON.parse(pushed.body.toString()).message, 'Đã chuyển khoản ✅');
      assert.equal(JSON.parse(pushed.body.toString()).senderId, buyer);
      const stored = await t.http.get(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(seller)).expect(200);
      assert.deepEqual(
        stored.body.map((m: { message: string }) => m.message),
        ['Đã chuyển khoản ✅'],
      );
    });

    it('keeps id required in 1.2: SUBSCRIBE without id is ERROR, then close', async () => {
      const socket = await RawStompSocket.open(t.baseUrl);
      sockets.push(socket);
      const connected = await socket.connect(t.auth(uniqueUser('alice')));
      assert.ok(connected.headers['user-name']);
      socket.send(frame('SUBSCRIBE', { destination: userDestinations.trades }));
      assert.match((await socket.expectError()).headers.message!, /needs id/);
    });
  });
}
