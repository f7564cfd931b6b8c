import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sockjs from 'sockjs';
import { classifyLoss } from '../../client/src/link-loss.js';
import type { LinkLoss } from '../../client/src/stomp-link.js';
import { stompjsConnector } from '../../client/src/stompjs-link.js';

describe('client: stompjs connection attempts', () => {
  let server: Server;
  before(async () => {
    // A gateway too busy to answer: it accepts the SockJS session and never sends CONNECTED.
    server = createServer();
    sockjs.createServer({ log: () => {} }).installHandlers(server, { prefix: '/ws' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reports a CONNECT that timed out as a failure to retry, not as refused credentials', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
    const connect = stompjsConnector({ urls: [url], transport: 'sockjs', heartbeatMs: 0, connectTimeoutMs: 200, receiptTimeoutMs: 1000 });
    const loss = await new Promise<LinkLoss>((resolve) => {
      const link = connect({}, { onConnected: () => assert.fail('no CONNECTED was sent'), onLost: resolve });
      // The link is ended by its own timeout; close() afterwards only tidies up.
      setTimeout(() => link.close(), 2000).unref();
    });
    assert.equal(loss.connected, false);
    // stompjs discards a timed-out socket with a made-up close code 4001; read as the gateway's
    // word on the token (it once was its token-expiry code), the client stopped for good.
    assert.equal(loss.code, undefined);
    assert.deepEqual(classifyLoss(loss), { kind: 'failure' });
  });
});
