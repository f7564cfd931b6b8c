import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { notificationEvent } from '../../src/events/events.js';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket } from '../support/raw-stomp.js';
import { eventually, sleep } from '../support/eventually.js';

// Long enough that a busy test process (the server and its clients share one event loop) does
// not hold a pong back for a whole period.
const PING = 250;

// A client that negotiated no STOMP heart-beats is still found out when it vanishes: the
// WebSocket transport pings it. The drivers do not matter here.
describe('gateway WebSocket pings', () => {
  let t: GatewayTestSystem;

  before(async () => {
    // A slow-client limit far above the backlog of the queued-frames test below.
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { GATEWAY_WS_PING_MS: String(PING), GATEWAY_MAX_BUFFERED_BYTES: String(256 * 1024 * 1024) });
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

  it('gives a client time while frames to it are still queued: its pong may be behind them', async () => {
    const user = uniqueUser('user');
    const destination = `/topic/users/${user}/notifications`;
    const slow = await RawStompSocket.open(t.baseUrl);
    await slow.connect(t.auth(user), { 'heart-beat': '0,0' });
    slow.send(frame('SUBSCRIBE', { id: 'n', destination, receipt: 'ready' }));
    await slow.next('RECEIPT');
    (await slow.tcp).pause();
    // About 24 MB, far more than the kernel's socket buffers hold, so frames stay queued here.
    const events = 400;
    for (let i = 0; i < events; i++) {
      await t.system.bus.publish(
        notificationEvent({
          eventId: randomUUID(),
          userId: user,
          notificationId: randomUUID(),
          type: 'TEST',
          message: 'x'.repeat(60_000),
          timestamp: new Date().toISOString(),
        }),
      );
    }
    await sleep(4 * PING);
    assert.equal(slow.closeCode, undefined, 'cut while still reading its backlog');
    (await slow.tcp).resume();
    await eventually(() => assert.equal(slow.frames.filter((f) => f.command === 'MESSAGE').length, events), 15_000);
    await sleep(3 * PING);
    assert.equal(slow.closeCode, undefined);
    slow.close();
  });
});
