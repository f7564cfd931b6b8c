import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sockjs from 'sockjs';
import { classifyLoss } from '../../client/src/link-loss.js';
import type { LinkLoss, StompConnector } from '../../client/src/stomp-link.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';

/** One attempt, ended by the link itself (its timeouts) or by the server. */
function attempt(connect: StompConnector): Promise<LinkLoss> {
  return new Promise<LinkLoss>((resolve) => {
    const link = connect({}, { onConnected: () => assert.fail('no CONNECTED was sent'), onLost: resolve });
    // The link is ended by its own timeout; close() afterwards only tidies up.
    setTimeout(() => link.close(), 2000).unref();
  });
}

describe('client: stompjs connection attempts', () => {
  let server: Server;
  let sessions = 0;
  let base: string;
  before(async () => {
    // A gateway too busy to answer: it accepts the SockJS session and never sends CONNECTED.
    // Any other path is a dead gateway: 404.
    server = createServer((_req, res) => res.writeHead(404).end());
    const busy = sockjs.createServer({ log: () => {} });
    busy.on('connection', () => sessions++);
    busy.installHandlers(server, { prefix: '/ws' });
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
});
