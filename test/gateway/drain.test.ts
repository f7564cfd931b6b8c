import assert from 'node:assert/strict';
import { CLOSE_CODES, retryAfterMsOf } from '../../src/contract/close-codes.js';
import { DRIVER_SETS } from '../support/system.js';
import { startGatewayTestSystem, uniqueUser, type GatewayTestSystem } from '../support/gateway-harness.js';
import { CLIENT_KINDS, handshakeStatus, StompTestClient } from '../support/stomp-clients.js';
import { eventually } from '../support/eventually.js';

const CLIENTS = 24;
const WINDOW_MS = 2_000;

function connectAll(t: GatewayTestSystem): Promise<StompTestClient[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      StompTestClient.connect(t.baseUrl, CLIENT_KINDS[i % CLIENT_KINDS.length]!, { authorization: t.auth(uniqueUser('drained')) }),
    ),
  );
}

for (const drivers of DRIVER_SETS) {
  describe(`gateway drain (${drivers.name})`, function () {
    // Connecting 24 clients of three kinds to the embedded database's system takes seconds on a busy machine.
    this.timeout(60_000);
    it('refuses new sockets and reports not ready, then closes every session with the drain code in batches over the window', async () => {
      const t = await startGatewayTestSystem(drivers, { GATEWAY_DRAIN_MS: String(WINDOW_MS) });
      try {
        const clients = await connectAll(t);
        await t.http.get('/readyz').expect(200);
        const started = Date.now();
        const drained = t.system.gateway!.drain();

        const ready = await t.http.get('/readyz').expect(503);
        assert.equal(ready.body.checks.gateway, 'down');
        assert.equal(await handshakeStatus(t.baseUrl), 503);
        const info = await fetch(`${t.baseUrl}/ws/info`);
        assert.equal(info.status, 503);
        assert.equal(((await info.json()) as { error: string }).error, 'draining');

        await drained;
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= WINDOW_MS * 0.9 && elapsed < WINDOW_MS + 1_500, `drain took ${elapsed} ms for a ${WINDOW_MS} ms window`);
        await eventually(() => assert.ok(clients.every((c) => c.isClosed)));
        assert.deepEqual(new Set(await Promise.all(clients.map((c) => c.closed))), new Set([CLOSE_CODES.drain]));
        for (const client of clients) {
          const retryAfterMs = retryAfterMsOf(client.closeReason ?? '');
          assert.ok(retryAfterMs !== undefined && retryAfterMs >= 0 && retryAfterMs < WINDOW_MS, `close reason "${client.closeReason}"`);
        }

        // Spread, not all at once: the closes span most of the window, and no fifth of it sees more than a third of them.
        const times = clients.map((c) => c.closedAt! - started).sort((a, b) => a - b);
        assert.ok(times.at(-1)! - times[0]! >= WINDOW_MS / 2, `closes at ${times.join(', ')} ms`);
        const busiest = Math.max(...times.map((from) => times.filter((at) => at >= from && at < from + WINDOW_MS / 5).length));
        assert.ok(busiest <= CLIENTS / 3, `${busiest} closes within ${WINDOW_MS / 5} ms: ${times.join(', ')}`);

        await t.system.gateway!.close();
        assert.deepEqual(t.system.gateway!.stats().connections, { websocket: 0, sockjs: 0 });
      } finally {
        await t.close();
      }
    });

    it('gives the sessions a drain cut short still open the shutdown code', async () => {
      const t = await startGatewayTestSystem(drivers, { GATEWAY_DRAIN_MS: '20000' });
      try {
        const clients = await connectAll(t);
        const drained = t.system.gateway!.drain();
        await eventually(() => assert.ok(clients.some((c) => c.isClosed)));
        await t.system.gateway!.close();
        await drained;
        const codes = await Promise.all(clients.map((c) => c.closed));
        assert.ok(codes.includes(CLOSE_CODES.drain) && codes.includes(CLOSE_CODES.shutdown), `codes ${codes.join(', ')}`);
        assert.ok(
          codes.every((code) => code === CLOSE_CODES.drain || code === CLOSE_CODES.shutdown),
          `codes ${codes.join(', ')}`,
        );
      } finally {
        await t.close();
      }
    });
  });
}
