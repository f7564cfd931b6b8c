import assert from 'node:assert/strict';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
import { sleep } from '../support/eventually.js';

// Long enough that a busy test process (the server and its clients share one event loop) does
// not hold a pong back for a whole period.
const PING = 250;

// A client that negotiated no STOMP heart-beats is still found out when it vanishes: the
// WebSocket transport pings it. The drivers do not matter here.
describe('gateway WebSocket pings', () => {
  let t: GatewayTestSystem;

  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { GATEWAY_WS_PING_MS: String(PING) });
  });
  after(async () => {
    await t?.close();
  });

  it('pings a client without heart-beats and keeps it while it answers', async () => {
    const socket = await RawStompSocket.open(t.baseUrl);
    let pings = 0;
    socket.ws.on('ping', () => pings++);
    await socket.connect(t.auth(uniqueUser('user')), { 'heart-beat': '0,0' });
    await sleep(5 * PING);
    assert.equal(socket.closeCode, undefined);
    assert.ok(pings >= 3, `only ${pings} pings`);
    // Still a working session, not just an open socket.
    socket.send(frame('SUBSCRIBE', { id: '0', destination: '/topic/trades/x', receipt: 'r' }));
    assert.match((await socket.next('ERROR')).headers.message!, /unknown destination/);
    socket.close();
  });

  it('cuts a client that stops answering pings', async () => {
    const socket = await RawStompSocket.open(t.baseUrl, 'raw', { autoPong: false });
    await socket.connect(t.auth(uniqueUser('user')), { 'heart-beat': '0,0' });
    // Due after two periods; the wide margin is for a loaded machine's timers.
    const outcome = await Promise.race([socket.closed.then(() => 'cut'), sleep(20 * PING).then(() => 'still open')]);
    assert.equal(outcome, 'cut');
  });

  it('counts any message as an answer', async () => {
    const socket = await RawStompSocket.open(t.baseUrl, 'raw', { autoPong: false });
    await socket.connect(t.auth(uniqueUser('user')), { 'heart-beat': '0,0' });
    // An unrequested heart-beat EOL is still traffic from a live peer.
    const talking = setInterval(() => socket.send('\n'), PING / 2);
    try {
      await sleep(5 * PING);
      assert.equal(socket.closeCode, undefined);
    } finally {
      clearInterval(talking);
      socket.close();
    }
  });
});
