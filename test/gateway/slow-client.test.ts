import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { notificationEvent } from '../../src/events/events.js';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { frame, RawStompSocket, type Framing } from '../support/raw-stomp.js';
import { StompTestClient, type ClientKind } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';

const LIMIT = 256 * 1024;
const EVENTS = 400;

// The transports buffer on their own; the drivers do not matter here.
describe('gateway slow clients', () => {
  let t: GatewayTestSystem;

  before(async () => {
    t = await startGatewayTestSystem(DRIVER_SETS[0]!, { GATEWAY_MAX_BUFFERED_BYTES: String(LIMIT) });
  });
  after(async () => {
    await t?.close();
  });

  const cases: [Framing, 'websocket' | 'sockjs', ClientKind][] = [
    ['raw', 'websocket', 'websocket'],
    ['sockjs', 'sockjs', 'sockjs-xhr-streaming'],
  ];
  for (const [framing, transport, healthyKind] of cases) {
    it(`drops a ${transport} client that stops reading once its backlog passes the limit; others still get everything`, async () => {
      const user = uniqueUser('user');
      const destination = `/topic/users/${user}/notifications`;
      const healthy = await StompTestClient.connect(t.baseUrl, healthyKind, { authorization: t.auth(user) });
      const inbox = await healthy.subscribe(destination);
      const stalled = await RawStompSocket.open(t.baseUrl, framing);
      await stalled.connect(t.auth(user));
      stalled.send(frame('SUBSCRIBE', { id: 'n', destination, receipt: 'ready' }));
      await stalled.next('RECEIPT');
      const open = t.system.gateway!.stats().connections[transport];
      (await stalled.tcp).pause();

      // About 24 MB in all: far more than the kernel's socket buffers hold. One event per turn of
      // the event loop, so the healthy client, which lives in this process too, reads as it goes.
      const message = 'x'.repeat(60_000);
      for (let i = 0; i < EVENTS; i++) {
        await t.system.bus.publish(
          notificationEvent({ eventId: randomUUID(), userId: user, notificationId: randomUUID(), type: 'TEST', message, timestamp: new Date().toISOString() }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1));
      }

      await eventually(() => assert.equal(inbox.messages.length, EVENTS), 15_000);
      assert.equal(t.system.gateway!.stats().connections[transport], open - 1);
      const metrics = await t.http.get('/metrics').expect(200);
      assert.match(metrics.text, new RegExp(`gateway_slow_client_disconnects_total\\{transport="${transport}",role="all"\\} 1`));

      (await stalled.tcp).resume();
      await stalled.closed;
      assert.ok(stalled.frames.filter((f) => f.command === 'MESSAGE').length < EVENTS);
      await healthy.disconnect();
    });
  }
});
