import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { pino } from 'pino';
import SockJS from 'sockjs-client';
import { WebSocket } from 'ws';
import { SubscriptionRegistry, type Subscriber } from '../../src/gateway/subscription-registry.js';
import { PreEncodedFrame, type ClientConnection, type HttpEndpoint } from '../../src/transport/client-connection.js';
import { attachEndpoints } from '../../src/transport/http-attach.js';
import { createSockJsEndpoint } from '../../src/transport/sockjs-transport.js';
import { createWebSocketEndpoint } from '../../src/transport/ws-transport.js';
import { eventually } from '../support/eventually.js';

/**
 * A fan-out's frame is one value for all its subscribers, and each transport's encoding of it is
 * made once and kept on that value (socket.io's pre-encoded packets), not in a transport's cache.
 */
describe('gateway: a fan-out frame encoded once, for every connection and transport', () => {
  it('hands subscribers with the same subscription id the same frame value', () => {
    const registry = new SubscriptionRegistry();
    const delivered: PreEncodedFrame[] = [];
    const subscriber = (userId: string): Subscriber => ({
      sink: { deliver: (frame) => delivered.push(frame) },
      version: '1.2',
      subscriptionHeader: registry.subscriptionHeader('sub-0', '1.2'),
      role: null,
      userId,
    });
    registry.add('/topic/x', subscriber('a'));
    registry.add('/topic/x', subscriber('b'));
    registry.publish({ destination: '/topic/x', body: Buffer.from('{}'), audience: null });
    assert.equal(delivered.length, 2);
    assert.equal(delivered[0], delivered[1]);
  });

  describe('on the wire', () => {
    let server: Server;
    let base: string;
    const connections: ClientConnection[] = [];

    before(async () => {
      server = createServer((_req, res) => res.writeHead(404).end());
      const onConnection = (connection: ClientConnection) => connections.push(connection);
      const endpoints: HttpEndpoint[] = [
        createWebSocketEndpoint({ path: '/ws/websocket', maxMessageBytes: 65_536, pingIntervalMs: 60_000, onConnection }),
        createSockJsEndpoint({
          prefix: '/ws',
          maxMessageBytes: 65_536,
          logger: pino({ level: 'silent' }),
          clientScriptPath: '/sockjs.min.js',
          iframeAncestors: [],
          onConnection,
        }),
      ];
      attachEndpoints(server, endpoints, () => true);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => {
      for (const connection of connections.splice(0)) connection.terminate();
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    /** Opens `count` clients of one transport; resolves with what each receives, once all are connected. */
    async function clients(count: number, open: (onMessage: (text: string) => void) => Promise<void>): Promise<string[][]> {
      const received = Array.from({ length: count }, () => [] as string[]);
      await Promise.all(received.map((messages) => open((text) => messages.push(text))));
      await eventually(() => assert.equal(connections.length, count));
      return received;
    }

    const webSocket = (onMessage: (text: string) => void) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://${base}/ws/websocket`);
        ws.on('message', (data) => onMessage(String(data)));
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
    const sockJs = (onMessage: (text: string) => void) =>
      new Promise<void>((resolve) => {
        const sock = new SockJS(`http://${base}/ws`);
        sock.onmessage = (event: { data: string }) => onMessage(event.data);
        sock.onopen = () => resolve();
      });

    it('WebSocket: frames it once for all its connections, and each client gets it whole', async () => {
      const received = await clients(2, webSocket);
      const frame = new PreEncodedFrame(Buffer.from('MESSAGE\ndestination:/topic/x\n\nXin chào 👋\0'));
      const written = await writesDuring(() => {
        connections[0]!.send(frame);
        connections[1]!.send(frame);
      });
      const framed = written.filter((chunk) => Buffer.isBuffer(chunk) && chunk.subarray(-frame.bytes.length).equals(frame.bytes));
      assert.equal(framed.length, 2);
      assert.equal(framed[0], framed[1], 'each connection framed it anew');
      assert.equal(
        frame.webSocketFrame(() => assert.fail('framed again')),
        framed[0],
      );
      await eventually(() => {
        for (const messages of received) assert.deepEqual(messages, [frame.bytes.toString('utf8')]);
      });
    });

    it('SockJS: decodes it once for all its connections, and each client gets it whole', async () => {
      const received = await clients(2, sockJs);
      const frame = new PreEncodedFrame(Buffer.from('MESSAGE\ndestination:/topic/x\n\nXin chào 👋\0'));
      let decodes = 0;
      const decode = frame.bytes.toString.bind(frame.bytes);
      frame.bytes.toString = (...args: Parameters<Buffer['toString']>) => {
        decodes++;
        return decode(...args);
      };
      connections[0]!.send(frame);
      connections[1]!.send(frame);
      assert.equal(decodes, 1);
      await eventually(() => {
        for (const messages of received) assert.deepEqual(messages, [decode('utf8')]);
      });
    });
  });
});

/** The chunks written to any TCP socket while `act` runs, and until the writes of its tick are flushed. */
async function writesDuring(act: () => void): Promise<unknown[]> {
  const written: unknown[] = [];
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    written.push(chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  try {
    act();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    Socket.prototype.write = write;
  }
  return written;
}
