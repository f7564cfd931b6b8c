import assert from 'node:assert/strict';
import { CLOSE_CODES } from '../../src/contract/close-codes.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { handshakeStatus, StompTestClient, TWO_TRANSPORTS } from '../support/stomp-clients.js';
import { eventually, sleep } from '../support/eventually.js';
import { assertMovedOverIntact, startChatter, useCluster, usersOnFirstGateway } from './support.js';

const DRAIN_MS = 3_000;
// After the window: the shutdown's grace for close handshakes (1 s) and closing the drivers,
// which take about 0.3 s on an idle machine and seconds on a busy one. A drain that waited on
// its clients instead of its window would overrun this bound.
const EXIT_MARGIN_MS = 5_000;

describe('fault: a gateway process drained (SIGTERM) with clients on it', function () {
  this.timeout(120_000);
  const suite = useCluster({ gateways: 2, env: { GATEWAY_DRAIN_MS: String(DRAIN_MS) } });

  it('refuses new sockets, closes its sessions with 4000 spread over the window, exits in time; clients move over and lose nothing', async () => {
    const { cluster, users } = suite;
    const { tradeId, buyer, seller, doomed, survivor } = await usersOnFirstGateway(cluster, users);
    // Third-party stompjs apps, which know nothing of the drain reason.
    const others = await Promise.all(
      Array.from({ length: 12 }, (_, i) => StompTestClient.connect(doomed.url, TWO_TRANSPORTS[i % 2]!, { authorization: cluster.auth(uniqueUser('app')) })),
    );

    const chatter = startChatter(cluster, tradeId, buyer, 100);
    await sleep(1_000);
    const statesBefore = users.map((u) => u.states.length);
    const exited = new Promise<number>((resolve) => doomed.child.once('exit', () => resolve(Date.now())));
    const signalled = Date.now();
    doomed.child.kill('SIGTERM');

    await eventually(async () => assert.equal((await fetch(`${doomed.url}/readyz`)).status, 503), 2_000, 50);
    assert.equal(await handshakeStatus(doomed.url), 503);

    const exitedAt = await exited;
    assert.ok(exitedAt - signalled < DRAIN_MS + EXIT_MARGIN_MS, `exited ${exitedAt - signalled} ms after SIGTERM`);
    assert.deepEqual(new Set(await Promise.all(others.map((c) => c.closed))), new Set([CLOSE_CODES.drain]));
    const closedAt = others.map((c) => c.closedAt! - signalled).sort((a, b) => a - b);
    assert.ok(closedAt.at(-1)! - closedAt[0]! >= DRAIN_MS / 2, `closes at ${closedAt.join(', ')} ms: not spread over the window`);

    await assertMovedOverIntact(cluster, { users, statesBefore, chatter, survivorUrl: survivor.url, tradeId, reader: seller });
    console.log(
      `      sent ${chatter.accepted.length} messages; 4 clients saw each once across the drain; closes ${closedAt[0]}..${closedAt.at(-1)} ms, exit at ${exitedAt - signalled} ms`,
    );
  });
});
