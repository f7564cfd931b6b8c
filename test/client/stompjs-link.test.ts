import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import sockjs from 'sockjs';
import { classifyLoss } from '../../client/src/link-loss.js';
import type { LinkLoss, StompConnector, StompLink } from '../../client/src/stomp-link.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';
import { userDestinations } from '../../client/src/wire.js';
import { eventually, sleep } from '../support/eventually.js';

/** One attempt, ended by the link itself (its timeouts) or by the server. */
function attempt(connect: StompConnector): Promise<LinkLoss> {
  return new Promise<LinkLoss>((resolve) => {
    const link = connect({}, { onConnected: () => assert.fail('no CONNECTED was sent'), onLost: resolve });
    // The link is ended by its own timeout; close() afterwards only tidies up.
    setTimeout(() => link.close(), 2000).unref();
  });
}

/** A STOMP frame as the scripted gateway reads it. */
interface Frame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

function parseFrames(data: string): Frame[] {
  return data
    .split('\0')
    .map((text) => text.replace(/^\n+/, ''))
    .filter(Boolean)
    .map((text) => {
      const [head = '', body = ''] = text.split('\n\n');
      const [command = '', ...lines] = head.split('\n');
      return { command, headers: Object.fromEntries(lines.map((line) => line.split(':', 2) as [string, string])), body };
    });
}

function frame(command: string, headers: Record<string, string>, body = ''): string {
  return `${command}\n${Object.entries(headers)
    .map(([k, v]) => `${k}:${v}`)
    .join('\n')}\n\n${body}\0`;
}

/**
 * A gateway as the real one orders a session's frames: one at a time, a SEND held until the test
 * answers it (the api's commit), a SUBSCRIBE confirmed at once unless its destination is `silent`.
 */
class ScriptedGateway {
  readonly sends: Array<{ receipt: string; answer: (outcome: 'receipt' | 'user-error') => void }> = [];
  silent = '/topic/silent';
  readonly connections: sockjs.Connection[] = [];
  #queue: Promise<void> = Promise.resolve();

  handle(conn: sockjs.Connection): void {
    this.connections.push(conn);
    let errorsSubscription: string | undefined;
    conn.on('data', (data: string) => {
      for (const f of parseFrames(data)) {
        this.#queue = this.#queue.then(async () => {
          if (f.command === 'CONNECT' || f.command === 'STOMP') conn.write(frame('CONNECTED', { version: '1.2', 'heart-beat': '0,0' }));
          if (f.command === 'DISCONNECT') {
            if (f.headers.receipt) conn.write(frame('RECEIPT', { 'receipt-id': f.headers.receipt }));
            conn.close();
          }
          if (f.command === 'SUBSCRIBE') {
            if (f.headers.destination === userDestinations.errors) errorsSubscription = f.headers.id;
            if (f.headers.destination !== this.silent && f.headers.receipt) conn.write(frame('RECEIPT', { 'receipt-id': f.headers.receipt }));
          }
          if (f.command === 'SEND' && f.headers.receipt) {
            const receipt = f.headers.receipt;
            const outcome = await new Promise<'receipt' | 'user-error'>((answer) => this.sends.push({ receipt, answer }));
            conn.write(
              outcome === 'receipt'
                ? frame('RECEIPT', { 'receipt-id': receipt })
                : frame(
                    'MESSAGE',
                    { destination: userDestinations.errors, subscription: errorsSubscription ?? '', 'message-id': receipt, 'receipt-id': receipt },
                    JSON.stringify({ error: 'rate_limited', message: 'slow down' }),
                  ),
            );
          }
        });
      }
    });
  }
}

/** A link that got CONNECTED, with every loss it reports. */
function connected(connect: StompConnector): Promise<{ link: StompLink; losses: LinkLoss[] }> {
  const losses: LinkLoss[] = [];
  return new Promise((resolve, reject) => {
    const link = connect(
      {},
      {
        onConnected: () => resolve({ link, losses }),
        onLost: (loss) => {
          losses.push(loss);
          reject(new Error(loss.reason));
        },
      },
    );
  });
}

describe('client: stompjs connection attempts', () => {
  let server: Server;
  let sessions = 0;
  let base: string;
  let gateway = new ScriptedGateway();
  beforeEach(() => (gateway = new ScriptedGateway()));
  afterEach(() => {
    for (const conn of gateway.connections) conn.close();
  });
  before(async () => {
    // A gateway too busy to answer: it accepts the SockJS session and never sends CONNECTED.
    // Any other path is a dead gateway: 404.
    server = createServer((_req, res) => res.writeHead(404).end());
    const busy = sockjs.createServer({ log: () => {} });
    busy.on('connection', () => sessions++);
    busy.installHandlers(server, { prefix: '/ws' });
    const scripted = sockjs.createServer({ log: () => {} });
    scripted.on('connection', (conn) => gateway.handle(conn));
    scripted.installHandlers(server, { prefix: '/stomp' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports a CONNECT that timed out as a failure to retry, not as refused credentials', async () => {
    const connect = stompjsConnector({ urls: [`${base}/ws`], transport: 'sockjs', heartbeatMs: 0, connectTimeoutMs: 200, receiptTimeoutMs: 1000 });
    const loss = await attempt(connect);
    assert.equal(loss.connected, false);
    // stompjs discards a timed-out socket with a made-up close code 4001; read as the gateway's
    // word on the token (it once was its token-expiry code), the client stopped for good.
    assert.equal(loss.code, undefined);
    // The gateway had opened the socket: up but slow, so the reconnect does not back off further.
    assert.equal(loss.slow, true);
    assert.deepEqual(classifyLoss(loss), { kind: 'slow' });
  });

  it('after a dead gateway, keeps trying the live one whose CONNECT timed out rather than going back', async () => {
    const connect = stompjsConnector({
      urls: [`${base}/dead`, `${base}/ws`],
      transport: 'sockjs',
      heartbeatMs: 0,
      connectTimeoutMs: 300,
      receiptTimeoutMs: 1000,
      random: () => 0,
    });
    const dead = await attempt(connect);
    assert.equal(dead.slow, undefined, `the dead gateway never answered: ${dead.reason}`);
    const before = sessions;
    assert.equal((await attempt(connect)).slow, true);
    assert.equal((await attempt(connect)).slow, true, 'the third attempt went to the live gateway again');
    assert.equal(sessions - before, 2);
  });

  const RECEIPT_TIMEOUT_MS = 300;
  const scriptedLink = () =>
    connected(stompjsConnector({ urls: [`${base}/stomp`], transport: 'sockjs', heartbeatMs: 0, connectTimeoutMs: 2000, receiptTimeoutMs: RECEIPT_TIMEOUT_MS }));

  it('does not time out a SUBSCRIBE queued behind a SEND that waits on a slow api: its timer starts once the SENDs ahead are answered', async () => {
    const { link, losses } = await scriptedLink();
    const sent = link.send('/app/trades/t/chat', '{}', 'send-1');
    await eventually(() => assert.equal(gateway.sends.length, 1), 2000, 10);
    const subscription = link.subscribe('/topic/later', () => {});
    // The gateway handles frames in order: the SUBSCRIBE waits for the api's answer to the SEND.
    await sleep(3 * RECEIPT_TIMEOUT_MS);
    assert.deepEqual(losses, [], 'a slow api read as a slow link: dropped and reconnected');
    gateway.sends[0]!.answer('receipt');
    await sent;
    await subscription.confirmed;
    assert.deepEqual(losses, []);
    link.close();
  });

  it('settles a SEND refused by a user error with that error, and stops holding it against later SUBSCRIBEs', async () => {
    const { link, losses } = await scriptedLink();
    // As ReceiptedSends does with the /user/queue/errors messages.
    await link.subscribe(userDestinations.errors, (body, headers) => link.refused(headers['receipt-id']!, new Error(body))).confirmed;
    const sent = link.send('/app/trades/t/chat', '{}', 'send-1');
    await eventually(() => assert.equal(gateway.sends.length, 1), 2000, 10);
    gateway.sends[0]!.answer('user-error');
    await assert.rejects(sent, /slow down/);
    // Nothing is waited for any more: a SUBSCRIBE the gateway never confirms ends the link in time.
    link.subscribe(gateway.silent, () => {});
    await eventually(() => assert.match(losses[0]?.reason ?? '', /no RECEIPT for \/topic\/silent/), 10 * RECEIPT_TIMEOUT_MS, 20);
    link.close();
  });

  it('after a dead gateway, keeps trying one that lets the attempt wait rather than going back', async () => {
    // Accepts connections and answers nothing, not even SockJS's /info: what a survivor swamped
    // by a reconnect storm does with the connections it has no time for yet.
    const held = new Set<Socket>();
    const silent = createNetServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const connect = stompjsConnector({
        urls: [`${base}/dead`, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/ws`],
        transport: 'sockjs',
        heartbeatMs: 0,
        connectTimeoutMs: 300,
        receiptTimeoutMs: 1000,
        random: () => 0,
      });
      assert.match((await attempt(connect)).reason, /socket closed/, 'the dead gateway refused at once');
      assert.match((await attempt(connect)).reason, /no CONNECTED/);
      assert.match((await attempt(connect)).reason, /no CONNECTED/, 'the third attempt waited on the silent gateway again');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('client: stompjs over SockJS on a gateway slow to open WebSockets', () => {
  // What a survivor gateway does in a reconnect storm: /info is answered at once, the WebSocket
  // upgrade waits behind the sessions being set up.
  const UPGRADE_DELAY_MS = 1500;
  let server: Server;
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let base: string;
  before(async () => {
    server = createServer((_req, res) => res.writeHead(404).end());
    const gateway = sockjs.createServer({ log: () => {} });
    gateway.on('connection', (conn) => {
      // Any CONNECT is answered: the attempt is about the transport, not the session.
      conn?.on('data', () => conn.write('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0'));
    });
    gateway.installHandlers(server, { prefix: '/ws' });
    server.prependListener('request', (req) => requests.push(req.url ?? ''));
    server.on('connection', (socket) => sockets.add(socket));
    const upgrade = server.listeners('upgrade') as ((...args: unknown[]) => void)[];
    server.removeAllListeners('upgrade');
    server.on('upgrade', (...args: unknown[]) => setTimeout(() => upgrade.forEach((listener) => listener(...args)), UPGRADE_DELAY_MS));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    // Upgraded sockets are not the HTTP server's to close.
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('waits for the WebSocket within the attempt rather than falling back to a streaming session after SockJS’s round-trip guess', async () => {
    const connect = stompjsConnector({ urls: [`${base}/ws`], transport: 'sockjs', heartbeatMs: 0, connectTimeoutMs: 5000, receiptTimeoutMs: 1000 });
    await new Promise<void>((resolve, reject) => {
      const link = connect(
        {},
        {
          onConnected: () => (link.close(), resolve()),
          onLost: (loss) => reject(new Error(loss.reason)),
        },
      );
    });
    // SockJS's own guess, a few /info round trips on localhost, is under a second: it opened an
    // xhr_streaming session (more work for the busy gateway) while the WebSocket was on its way.
    assert.deepEqual(
      requests.filter((url) => !url.endsWith('/info') && !url.includes('/info?')),
      [],
      'only /info went over plain HTTP',
    );
  });
});
