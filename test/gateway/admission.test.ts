import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { CLOSE_CODES, retryAfterMsOf } from '../../src/contract/close-codes.js';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';

const TARGET_MS = 200;
const MIN_PENDING = 3;

/** Sockets that open and never send CONNECT: sessions that stay "setting up" until closed. */
async function stalledSockets(t: GatewayTestSystem, count: number): Promise<WebSocket[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/ws/websocket`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      return ws;
    }),
  );
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) => new Promise((resolve) => (ws.once('close', resolve), ws.close()))));
}

for (const drivers of DRIVER_SETS.slice(0, 1)) {
  describe(`gateway: refusing new sessions while set-ups lag (${drivers.name})`, function () {
    this.timeout(30_000);
    let t: GatewayTestSystem;
    before(async () => {
      t = await startGatewayTestSystem(drivers, { GATEWAY_ADMISSION_TARGET_MS: String(TARGET_MS), GATEWAY_ADMISSION_MIN_PENDING: String(MIN_PENDING) });
    });
    after(() => t.close());

    for (const kind of TWO_TRANSPORTS) {
      it(`closes a new ${kind} connection at once with 1013 and an appointment while set-ups are behind, and takes clients on again once they are done`, async () => {
        const stalled = await stalledSockets(t, MIN_PENDING);
        try {
          await sleep(TARGET_MS + 50);
          const refused = new StompTestClient(t.baseUrl, kind, { authorization: t.auth(uniqueUser('refused')) });
          assert.equal(await refused.closed, CLOSE_CODES.unavailable);
          assert.match(refused.closeReason ?? '', /^busy;retry-after-ms=\d+$/);
          assert.ok(retryAfterMsOf(refused.closeReason!)! >= 250, refused.closeReason);
          await assert.rejects(refused.connected);
        } finally {
          await closeAll(stalled);
        }
        const metrics = await t.http.get('/metrics').expect(200);
        assert.match(metrics.text, /gateway_sessions_refused_total\{role="all"\} [1-9]/);
        const admitted = await StompTestClient.connect(t.baseUrl, kind, { authorization: t.auth(uniqueUser('admitted')) });
        await admitted.disconnect();
      });
    }

    it('counts a session as set up once its CONNECT is answered: old connected sessions never hold the door', async () => {
      const clients = await Promise.all(
        Array.from({ length: MIN_PENDING + 1 }, () => StompTestClient.connect(t.baseUrl, 'websocket', { authorization: t.auth(uniqueUser('settled')) })),
      );
      try {
        await sleep(TARGET_MS + 50);
        const next = await StompTestClient.connect(t.baseUrl, 'websocket', { authorization: t.auth(uniqueUser('next')) });
        await next.disconnect();
      } finally {
        await Promise.all(clients.map((c) => c.disconnect()));
      }
    });
  });
}
