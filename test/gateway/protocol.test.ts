import assert from 'node:assert/strict';
import { DRIVER_SETS, openTrade } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';

// Protocol handling does not depend on the drivers: the embedded set is enough.
describe('gateway STOMP protocol (raw frames over WebSocket)', () => {
  let t: GatewayTestSystem;
  const sockets: RawStompSocket[] = [];

  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { GATEWAY_CONNECT_TIMEOUT_MS: '500' });
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  after(async () => {
    await t?.close();
  });

  const open = async () => {
    const socket = await RawStompSocket.open(t.baseUrl);
    sockets.push(socket);
    return socket;
  };
  const connected = async (userId = uniqueUser('user')) => {
    const socket = await open();
    await socket.connect(t.auth(userId));
    return socket;
  };

  describe('CONNECT', () => {
    it('answers with the highest version both sides speak and the heart-beat offer', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ 'accept-version': '1.0,1.1,1.2' }, '1.2'],
        [{ 'accept-version': '1.0,1.1' }, '1.1'],
        [{}, '1.0'],
      ];
      for (const [headers, version] of cases) {
        const socket = await open();
        socket.send(frame('CONNECT', { ...headers, Authorization: t.auth('alice') }));
        const reply = await socket.next('CONNECTED');
        assert.equal(reply.headers.version, version);
        assert.equal(reply.headers['heart-beat'], '10000,10000');
      }
    });

    it('accepts the STOMP command as CONNECT', async () => {
      const socket = await open();
      socket.send(frame('STOMP', { 'accept-version': '1.2', host: 'localhost', Authorization: t.auth('alice') }));
      await socket.next('CONNECTED');
    });

    it('refuses a client that speaks no version it knows, naming the ones it does', async () => {
      const socket = await open();
      socket.send(frame('CONNECT', { 'accept-version': '2.0', Authorization: t.auth('alice') }));
      const error = await socket.expectError();
      assert.equal(error.headers.version, '1.2,1.1,1.0');
    });

    it('requires CONNECT (or STOMP) before any other frame', async () => {
      for (const first of [frame('SUBSCRIBE', { id: '0', destination: '/topic/trades' }), frame('DISCONNECT', { receipt: '1' })]) {
        const socket = await open();
        socket.send(first);
        assert.match((await socket.expectError()).headers.message!, /first frame must be CONNECT/);
      }
    });

    it('closes a socket that sends no CONNECT in time', async () => {
      const socket = await open();
      assert.match((await socket.expectError()).headers.message!, /no CONNECT/);
    });

    it('refuses a second CONNECT and a malformed heart-beat header', async () => {
      const again = await connected();
      again.send(frame('CONNECT', { 'accept-version': '1.2', Authorization: t.auth('alice') }));
      assert.match((await again.expectError()).headers.message!, /already connected/);

      const socket = await open();
      socket.send(frame('CONNECT', { 'accept-version': '1.2', 'heart-beat': 'often', Authorization: t.auth('alice') }));
      assert.match((await socket.expectError()).headers.message!, /heart-beat/);
    });
  });

  describe('framing', () => {
    it('reads a frame split at every byte and several frames coalesced in one message', async () => {
      const socket = await open();
      for (const byte of Buffer.from(frame('CONNECT', { 'accept-version': '1.2', Authorization: t.auth('alice') }))) {
        socket.send(Buffer.from([byte]));
      }
      await socket.next('CONNECTED');

      socket.send(
        frame('SUBSCRIBE', { id: 'a', destination: '/topic/users/alice/trades', receipt: 'r1' }) +
          '\n\n' +
          frame('SUBSCRIBE', { id: 'b', destination: '/topic/users/alice/notifications', receipt: 'r2' }) +
          frame('UNSUBSCRIBE', { id: 'a', receipt: 'r3' }),
      );
      for (const receipt of ['r1', 'r2', 'r3']) assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], receipt);
    });

    it('reads CONNECT and the frames behind it in one chunk with the agreed escaping', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const socket = await open();
      // `\c` is a colon in 1.2; unescaped by 1.0 rules it would be refused as an undefined escape.
      socket.send(
        frame('CONNECT', { 'accept-version': '1.2', Authorization: t.auth(buyer) }) +
          frame('SUBSCRIBE', { id: 'chat\\cmain', destination: `/topic/trades/${tradeId}/chat`, receipt: 'r1' }),
      );
      await socket.next('CONNECTED');
      await socket.next('RECEIPT');
      await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(buyer)).send({ message: 'a: b\nc' }).expect(201);
      const message = await socket.next('MESSAGE');
      assert.equal(message.headers.subscription, 'chat:main');
      assert.equal(JSON.parse(message.body.toString()).message, 'a: b\nc');
    });
  });

  describe('subscriptions', () => {
    it('sends MESSAGE frames with destination, message-id, subscription and content headers, and none after UNSUBSCRIBE', async () => {
      const [buyer, seller] = [uniqueUser('buyer'), uniqueUser('seller')];
      const tradeId = await openTrade(t, buyer, seller);
      const destination = `/topic/trades/${tradeId}/chat`;
      const socket = await connected(buyer);
      socket.send(frame('SUBSCRIBE', { id: 'first', destination, receipt: 'r1' }));
      socket.send(frame('SUBSCRIBE', { id: 'second', destination, ack: 'auto', receipt: 'r2' }));
      socket.send(frame('UNSUBSCRIBE', { id: 'first', receipt: 'r3' }));
      for (const receipt of ['r1', 'r2', 'r3']) assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], receipt);

      await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(seller)).send({ message: 'hello' }).expect(201);
      await t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(seller)).send({ message: 'again' }).expect(201);
      const messages = [await socket.next('MESSAGE'), await socket.next('MESSAGE')];
      assert.deepEqual(
        messages.map((m) => m.headers.subscription),
        ['second', 'second'],
      );
      assert.deepEqual(
        messages.map((m) => JSON.parse(m.body.toString()).message),
        ['hello', 'again'],
      );
      assert.equal(messages[0]!.headers.destination, destination);
      assert.equal(messages[0]!.headers['content-type'], 'application/json');
      assert.equal(messages[0]!.headers['content-length'], String(messages[0]!.body.length));
      assert.notEqual(messages[0]!.headers['message-id'], messages[1]!.headers['message-id']);
    });

    it('treats UNSUBSCRIBE of an unknown id as done', async () => {
      const socket = await connected();
      socket.send(frame('UNSUBSCRIBE', { id: 'never', receipt: 'r1' }));
      await socket.next('RECEIPT');
    });

    it('answers DISCONNECT with its RECEIPT, then closes', async () => {
      const socket = await connected();
      socket.send(frame('DISCONNECT', { receipt: 'bye' }));
      assert.equal((await socket.next('RECEIPT')).headers['receipt-id'], 'bye');
      assert.equal(await socket.closed, 1000);
    });

    it('refuses a bad SUBSCRIBE with an ERROR carrying its receipt-id', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ destination: '/topic/users/alice/trades' }, /needs id and destination/],
        [{ id: 'a' }, /needs id and destination/],
        [{ id: '', destination: '/topic/users/alice/trades' }, /subscription id/],
        [{ id: 'x'.repeat(129), destination: '/topic/users/alice/trades' }, /subscription id/],
        [{ id: 'a', destination: '/topic/users/alice/trades', ack: 'client' }, /ack:auto/],
      ];
      for (const [headers, message] of cases) {
        const socket = await connected('alice');
        socket.send(frame('SUBSCRIBE', { ...headers, receipt: 'mine' }));
        const error = await socket.expectError();
        assert.match(error.headers.message!, message);
        assert.equal(error.headers['receipt-id'], 'mine');
      }
    });

    it('refuses a subscription id already in use', async () => {
      const socket = await connected('alice');
      socket.send(frame('SUBSCRIBE', { id: 'a', destination: '/topic/users/alice/trades' }));
      socket.send(frame('SUBSCRIBE', { id: 'a', destination: '/topic/users/alice/notifications' }));
      assert.match((await socket.expectError()).headers.message!, /already in use/);
    });

    it('refuses a subscription id its version cannot echo (CR in STOMP 1.1)', async () => {
      const socket = await open();
      socket.send(frame('CONNECT', { 'accept-version': '1.1', Authorization: t.auth('alice') }));
      await socket.next('CONNECTED');
      socket.send(frame('SUBSCRIBE', { id: 'a\rb', destination: '/topic/users/alice/trades' }));
      assert.match((await socket.expectError()).headers.message!, /subscription id/);
    });
  });

  describe('refused frames', () => {
    const refusals: [string, string, RegExp][] = [
      ['SEND to a topic', frame('SEND', { destination: '/topic/users/alice/trades' }, '{}'), /SEND only to application destinations/],
      ['ACK', frame('ACK', { id: '1' }), /not supported/],
      ['NACK', frame('NACK', { id: '1' }), /not supported/],
      ['BEGIN', frame('BEGIN', { transaction: 't' }), /not supported/],
      ['COMMIT', frame('COMMIT', { transaction: 't' }), /not supported/],
      ['ABORT', frame('ABORT', { transaction: 't' }), /not supported/],
      ['MESSAGE', frame('MESSAGE', { destination: '/topic/trades', 'message-id': '1', subscription: '0' }), /server frame/],
      ['unknown command', frame('HELLO'), /malformed frame/],
      ['header without colon', 'SUBSCRIBE\nid\n\n\0', /malformed frame/],
      ['undefined escape', frame('SUBSCRIBE', { id: 'a\\tb', destination: '/topic/trades' }), /malformed frame/],
      ['content-length too short', 'SUBSCRIBE\nid:1\ndestination:/topic/trades\ncontent-length:1\n\nabc\0', /malformed frame/],
      ['frame over 64 KiB', frame('SEND', { destination: '/topic/trades' }, 'x'.repeat(64 * 1024)), /malformed frame: frame exceeds/],
    ];
    for (const [name, text, message] of refusals) {
      it(`answers ${name} with ERROR and a close`, async () => {
        const socket = await connected('alice');
        socket.send(text);
        assert.match((await socket.expectError()).headers.message!, message);
      });
    }

    it('answers frames sent far ahead of a pending SUBSCRIBE with ERROR', async () => {
      const socket = await connected('alice');
      // Past a full set of SUBSCRIBEs (GATEWAY_MAX_SUBSCRIPTIONS, 100) and the 32 frames beyond it.
      const flood = Array.from({ length: 140 }, (_, i) => frame('SUBSCRIBE', { id: `s${i}`, destination: '/topic/users/alice/trades' }));
      socket.send(flood.join(''));
      assert.match((await socket.expectError()).headers.message!, /too many frames/);
    });

    it('closes a transport message larger than two frames may be (1009) and stays up', async () => {
      const socket = await connected('alice');
      socket.send(Buffer.alloc(200 * 1024, 0x0a));
      assert.equal(await socket.closed, 1009);

      const next = await connected('alice');
      next.send(frame('SUBSCRIBE', { id: 'a', destination: '/topic/users/alice/trades', receipt: 'ok' }));
      await next.next('RECEIPT');
    });
  });
});
