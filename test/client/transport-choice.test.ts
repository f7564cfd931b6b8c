import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sockjs from 'sockjs';
import { WebSocket, WebSocketServer } from 'ws';
import type { LinkLoss, StompConnector } from '../../client/src/stomp-link.js';
import { SOCKET_DEFAULTS, stompjsConnector } from '../../client/src/stompjs-link.js';

/**
 * What the network in front of the gateway does with WebSocket upgrades:
 * - `pass`: every upgrade reaches the gateway;
 * - `refuse`: a proxy answers every upgrade 400 (SockJS's own WebSocket transport included);
 * - `hold`: a proxy holds every upgrade and never answers;
 * - `refuse-plain`: only the plain endpoint, /ws/websocket, is refused;
 * - `mute-plain`: the plain endpoint's upgrade goes through, and then nothing does (a proxy that
 *   completes upgrades but passes no frames);
 * - `dead`: the gateway answers nothing but 404, upgrades included.
 */
type Network = 'pass' | 'refuse' | 'hold' | 'refuse-plain' | 'mute-plain' | 'dead';

const CONNECTED = 'CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0';

describe('client: transport auto (a plain WebSocket, SockJS where WebSockets are blocked)', () => {
  let server: Server;
  let base: string;
  let network: Network = 'pass';
  /** The gateway's view: plain WebSocket sessions, and every HTTP request and upgrade by path. */
  let plainSessions = 0;
  let requests: string[] = [];
  const sockets = new Set<Socket>();
  let hadWebSocket: boolean;

  before(async () => {
    // The library's plain WebSocket is the browser's, which Node 20 lacks.
    hadWebSocket = 'WebSocket' in globalThis;
    if (!hadWebSocket) Object.assign(globalThis, { WebSocket });
    server = createServer((_req, res) => res.writeHead(404).end());
    const sockJsServer = sockjs.createServer({ log: () => {} });
    sockJsServer.on('connection', (conn) => conn?.on('data', () => conn.write(CONNECTED)));
    sockJsServer.installHandlers(server, { prefix: '/ws' });
    const plain = new WebSocketServer({ noServer: true });
    plain.on('connection', (ws) => {
      plainSessions++;
      const muted = network === 'mute-plain';
      ws.on('message', () => muted || ws.send(CONNECTED));
    });
    // Requests go through the network first: a dead gateway answers 404 to all of them.
    const sockJsRequest = server.listeners('request') as ((req: IncomingMessage, res: unknown) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      requests.push(path(req));
      if (network === 'dead') res.writeHead(404).end();
      else for (const listener of sockJsRequest) listener(req, res);
    });
    const sockJsUpgrade = server.listeners('upgrade') as ((...args: unknown[]) => void)[];
    server.removeAllListeners('upgrade');
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      requests.push(`upgrade ${path(req)}`);
      const isPlain = path(req) === '/ws/websocket';
      if (network === 'hold') return;
      if (network === 'refuse' || network === 'dead' || (network === 'refuse-plain' && isPlain)) {
        socket.end(`HTTP/1.1 ${network === 'dead' ? '404 Not Found' : '400 Bad Request'}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      if (isPlain) plain.handleUpgrade(req, socket, head, (ws) => plain.emit('connection', ws, req));
      else for (const listener of sockJsUpgrade) listener(req, socket, head);
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    network = 'pass';
    plainSessions = 0;
    requests = [];
  });
  after(async () => {
    if (!hadWebSocket) Reflect.deleteProperty(globalThis, 'WebSocket');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const connector = (connectTimeoutMs = 1_000) =>
    stompjsConnector({ urls: [`${base}/ws`], transport: 'auto', heartbeatMs: 0, connectTimeoutMs, receiptTimeoutMs: 1_000 });
  // Requests that open SockJS sessions: a closed session of the test before may still post its
  // last frames (xhr_send) into this one's log.
  const httpRequests = () => requests.filter((request) => !request.startsWith('upgrade ') && !request.endsWith('/xhr_send'));
  const plainUpgrades = () => requests.filter((request) => request === 'upgrade /ws/websocket').length;

  it('takes a plain WebSocket where WebSockets pass, without SockJS or its /info request', async () => {
    await connectOnce(connector());
    assert.equal(plainSessions, 1);
    assert.deepEqual(httpRequests(), []);
  });

  it('falls back to SockJS within the attempt where a proxy refuses upgrades, and stays on SockJS', async () => {
    network = 'refuse';
    const connect = connector();
    await connectOnce(connect);
    assert.equal(plainUpgrades(), 1);
    assert.ok(
      httpRequests().some((request) => /\/xhr_streaming$/.test(request)),
      `SockJS went over HTTP: ${requests.join(', ')}`,
    );
    await connectOnce(connect);
    assert.equal(plainUpgrades(), 1, 'the second attempt went straight to SockJS');
  });

  it('falls back to SockJS where a proxy holds upgrades, and still connects: SockJS gets the attempt’s time afresh', async () => {
    network = 'hold';
    // The probe waits half of it, SockJS's WebSocket transport the other half: without a fresh
    // connect timeout, HTTP streaming would never get its turn.
    await connectOnce(connector(1_000));
    assert.ok(
      httpRequests().some((request) => /\/xhr_streaming$/.test(request)),
      `SockJS went over HTTP: ${requests.join(', ')}`,
    );
  });

  it('with the library’s defaults, a held upgrade gives way after 5 s, not half of the 20 s attempt', async function () {
    this.timeout(30_000);
    network = 'hold';
    const startedAt = performance.now();
    // The probe's 5 s, then SockJS's own WebSocket transport's 5 s, then HTTP streaming.
    await connectOnce(stompjsConnector({ ...SOCKET_DEFAULTS, urls: [`${base}/ws`], heartbeatMs: 0 }));
    const tookMs = performance.now() - startedAt;
    assert.ok(
      httpRequests().some((request) => /\/xhr_streaming$/.test(request)),
      `SockJS went over HTTP: ${requests.join(', ')}`,
    );
    assert.ok(tookMs < 15_000, `connected after ${Math.round(tookMs)} ms: a network that holds upgrades waited 10 s for each WebSocket`);
    assert.ok(tookMs >= 9_000, `connected after ${Math.round(tookMs)} ms: the WebSockets were not given their 5 s each`);
  });

  it('once a plain WebSocket has opened, meets a gateway that later fails them with another WebSocket, never SockJS', async () => {
    const connect = connector();
    await connectOnce(connect);
    network = 'refuse';
    const loss = await lostAttempt(connect);
    assert.equal(loss.connected, false);
    assert.equal(plainUpgrades(), 2);
    assert.deepEqual(httpRequests(), [], 'a swamped or dead gateway moved the client to the costlier SockJS');
  });

  it('learns nothing from a gateway that fails both: the next attempt probes with a WebSocket again', async () => {
    network = 'dead';
    const connect = connector();
    await lostAttempt(connect);
    assert.equal(plainUpgrades(), 1);
    assert.ok(httpRequests().length > 0, 'SockJS was tried behind the failed WebSocket');
    network = 'pass';
    requests = [];
    await connectOnce(connect);
    assert.equal(plainSessions, 1);
    assert.deepEqual(httpRequests(), []);
  });

  it('falls back to SockJS within the attempt where a WebSocket opens but carries nothing, and does not settle on WebSockets', async () => {
    network = 'mute-plain';
    const connect = connector();
    await connectOnce(connect);
    assert.ok(
      httpRequests().some((request) => request.endsWith('/info')),
      `SockJS was used: ${requests.join(', ')}`,
    );
    requests = [];
    await connectOnce(connect);
    assert.equal(plainUpgrades(), 1, 'the next attempt probed with a plain WebSocket again');
  });

  it('asks the network again after five attempts in a row whose WebSocket carried nothing: the client may have moved', async () => {
    const connect = connector();
    await connectOnce(connect);
    network = 'refuse';
    for (let i = 0; i < 5; i++) await lostAttempt(connect);
    assert.deepEqual(httpRequests(), [], 'SockJS before the fifth silent attempt');
    await connectOnce(connect);
    assert.ok(
      httpRequests().some((request) => /\/xhr_streaming$/.test(request)),
      `SockJS went over HTTP: ${requests.join(', ')}`,
    );
  });

  it('learns nothing from SockJS that opened over its own WebSocket: the plain one failed for another reason', async () => {
    network = 'refuse-plain';
    const connect = connector();
    await connectOnce(connect);
    assert.ok(
      requests.some((request) => /^upgrade \/ws\/[^/]+\/[^/]+\/websocket$/.test(request)),
      `SockJS used a WebSocket: ${requests.join(', ')}`,
    );
    network = 'pass';
    await connectOnce(connect);
    assert.equal(plainSessions, 1, 'the second attempt probed with a plain WebSocket again');
  });
});

function path(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0]!;
}

/** An attempt that must reach CONNECTED; the link is then closed. */
function connectOnce(connect: StompConnector): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const link = connect(
      {},
      {
        onConnected: () => {
          link.close();
          resolve();
        },
        onLost: (loss) => reject(new Error(`lost: ${loss.reason}`)),
      },
    );
  });
}

/** An attempt that must fail. */
function lostAttempt(connect: StompConnector): Promise<LinkLoss> {
  return new Promise<LinkLoss>((resolve, reject) => {
    const link = connect(
      {},
      {
        onConnected: () => {
          link.close();
          reject(new Error('CONNECTED from a gateway that should have failed'));
        },
        onLost: resolve,
      },
    );
  });
}
