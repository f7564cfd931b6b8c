import assert from 'node:assert/strict';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket, type Framing } from '../support/raw-stomp.js';
import { StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';

const PERIOD = 100;

// Heart-beats are per connection and transport; the drivers do not matter here.
describe('gateway heart-beats', () => {
  let t: GatewayTestSystem;

  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { GATEWAY_HEARTBEAT_MS: String(PERIOD) });
  });
  after(async () => {
    await t?.close();
  });

  for (const kind of TWO_TRANSPORTS) {
    it(`keeps a client that heart-beats both ways connected over ${kind}`, async () => {
      // stompjs itself closes the socket when the server stays silent for two periods.
      const client = await StompTestClient.connect(t.baseUrl, kind, {
        authorization: t.auth(uniqueUser('user')),
        heartbeatIncoming: PERIOD,
        heartbeatOutgoing: PERIOD,
      });
      await sleep(6 * PERIOD);
      assert.equal(client.isClosed, false);
      await client.disconnect();
    });
  }

  for (const framing of ['raw', 'sockjs'] as Framing[]) {
    it(`sends EOLs to an idle client and drops it when it stays silent (${framing === 'raw' ? 'WebSocket' : 'SockJS'})`, async () => {
      const socket = await RawStompSocket.open(t.baseUrl, framing);
      const connected = await socket.connect(t.auth(uniqueUser('user')), { 'heart-beat': `${PERIOD},${PERIOD}` });
      assert.equal(connected.headers['heart-beat'], `${PERIOD},${PERIOD}`);
      const start = Date.now();
      await socket.closed;
      assert.ok(Date.now() - start >= 2 * PERIOD, 'dropped before two silent periods');
      assert.ok(socket.heartbeats >= 2, `only ${socket.heartbeats} heart-beats`);
    });
  }

  it('keeps a client whose heart-beats arrive, sending it none it did not ask for', async () => {
    const socket = await RawStompSocket.open(t.baseUrl);
    await socket.connect(t.auth(uniqueUser('user')), { 'heart-beat': `${PERIOD},0` });
    const beating = setInterval(() => socket.send('\n'), PERIOD / 2);
    try {
      await sleep(6 * PERIOD);
      socket.send(frame('SUBSCRIBE', { id: '0', destination: '/topic/trades/x', receipt: 'r' }));
      // Still connected: the subscription is answered (here refused), not ignored.
      assert.match((await socket.next('ERROR')).headers.message!, /unknown destination/);
      assert.equal(socket.heartbeats, 0, 'the client asked for no heart-beats');
    } finally {
      clearInterval(beating);
      socket.close();
    }
  });

  it('runs no heart-beats when the client asks for none', async () => {
    const socket = await RawStompSocket.open(t.baseUrl);
    await socket.connect(t.auth(uniqueUser('user')), { 'heart-beat': '0,0' });
    await sleep(5 * PERIOD);
    assert.equal(socket.closeCode, undefined);
    assert.equal(socket.heartbeats, 0);
    socket.close();
  });

  it('reports the silent drops in the metrics', async () => {
    await eventually(async () => {
      const metrics = await t.http.get('/metrics').expect(200);
      assert.match(metrics.text, /gateway_session_errors_total\{reason="heartbeat-timeout",role="all"\} 2/);
    });
  });
});
