import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRoleBackends } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { StompTestClient } from '../support/stomp-clients.js';
import { DemoPage, ensureClientBuilt, launchChromium } from '../support/browser.js';

// `npm run start:cluster`: the docker-compose topology as plain processes on this machine.
// It runs the built roles in dist/ (npm test builds first, in pretest).
describe('start-cluster script', function () {
  this.timeout(90_000);

  it('runs migrate, the api, two gateways and the worker; a chat flows api -> broker -> each gateway; Ctrl-C stops all', async () => {
    const backends = await createRoleBackends({ migrated: false });
    const ports = { api: 18080, gateways: [18081, 18083], notification: 18082 };
    const child = spawn(process.execPath, ['scripts/start-cluster.mjs'], {
      env: {
        ...backends.env,
        API_PORT: String(ports.api),
        GATEWAY_PORTS: ports.gateways.join(','),
        NOTIFICATION_PORT: String(ports.notification),
        // The printed tokens must carry what the roles then check.
        JWT_ISSUER: 'https://id.example',
        JWT_AUDIENCE: 'p2p',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      for (const port of [ports.api, ...ports.gateways, ports.notification]) {
        await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200), 60_000, 250);
      }
      // The cluster has no dev login: it prints tokens to paste, signed with its JWT_SECRET.
      const printed = await eventually(
        async () => {
          const tokens = { alice: /alice: (\S+)/.exec(output)?.[1], bob: /bob: {3}(\S+)/.exec(output)?.[1] };
          assert.ok(tokens.alice && tokens.bob, output);
          return tokens as Record<'alice' | 'bob', string>;
        },
        20_000,
        250,
      );
      assert.match(output, /JWT_SECRET="\$JWT_SECRET" npm run token -- <userId>/);
      const auth = (user: 'alice' | 'bob') => `Bearer ${printed[user]}`;
      const opened = await fetch(`http://127.0.0.1:${ports.api}/p2p/trades`, {
        method: 'POST',
        headers: { Authorization: auth('alice'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ sellerId: 'bob', amount: '1', asset: 'USDT', fiat: 'VND' }),
      });
      const tradeId = ((await opened.json()) as { id: string }).id;
      const clients = await Promise.all(
        ports.gateways.map((port) => StompTestClient.connect(`http://127.0.0.1:${port}`, 'websocket', { authorization: auth('bob') })),
      );
      const inboxes = await Promise.all(clients.map((c) => c.subscribe(`/topic/trades/${tradeId}/chat`)));
      await fetch(`http://127.0.0.1:${ports.api}/p2p/trades/${tradeId}/chat`, {
        method: 'POST',
        headers: { Authorization: auth('alice'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: 'xin chào' }),
      });
      for (const inbox of inboxes)
        await eventually(() =>
          assert.deepEqual(
            inbox.bodies().map((m) => m.message),
            ['xin chào'],
          ),
        );
      await Promise.all(clients.map((c) => c.disconnect()));

      // The demo page on the api goes live through one of the gateways the api names.
      const apiUrl = `http://localhost:${ports.api}`;
      const config = (await (await fetch(`${apiUrl}/config.json`)).json()) as { gatewayUrls: string[] };
      assert.deepEqual(
        config.gatewayUrls,
        ports.gateways.map((port) => `http://localhost:${port}`),
      );
      const [browser] = await Promise.all([launchChromium(), ensureClientBuilt()]);
      try {
        const context = await browser.newContext();
        const page = new DemoPage(context, await context.newPage(), apiUrl, undefined);
        const sockets: string[] = [];
        page.page.on('websocket', (ws) => sockets.push(ws.url()));
        await page.loginWithToken('bob', printed.bob);
        await page.waitForConnection('live', 20_000);
        assert.ok(
          sockets.length > 0 && sockets.every((url) => ports.gateways.some((port) => url.startsWith(`ws://localhost:${port}/ws/`))),
          `sockets: ${sockets.join(', ')}`,
        );
        assert.deepEqual(page.pageErrors, []);
      } finally {
        await browser.close();
      }
      const scrape = await fetch(`http://127.0.0.1:${ports.gateways[0]}/metrics`, { headers: { Authorization: 'Bearer cluster-dev-metrics-token' } });
      assert.equal(scrape.status, 200);
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, output);
    } finally {
      // SIGINT first: the script passes it on to its roles, which a SIGKILL would orphan.
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
      child.kill('SIGKILL');
      await backends.dispose();
    }
  });
});
