import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRoleBackends } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { StompTestClient } from '../support/stomp-clients.js';

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
      const printed = await eventually(async () => {
        const tokens = { alice: /alice: (\S+)/.exec(output)?.[1], bob: /bob: {3}(\S+)/.exec(output)?.[1] };
        assert.ok(tokens.alice && tokens.bob, output);
        return tokens as Record<'alice' | 'bob', string>;
      }, 20_000, 250);
      assert.match(output, /JWT_SECRET="\$JWT_SECRET" npm run token -- <userId>/);
      const auth = (user: 'alice' | 'bob') => `Bearer ${printed[user]}`;
      const opened = await fetch(`http://127.0.0.1:${ports.api}/p2p/trades`, {
        method: 'POST',
        headers: { Authorization: auth('alice'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ sellerId: 'bob', amount: '1', asset: 'USDT', fiat: 'VND' }),
      });
      const tradeId = ((await opened.json()) as { id: string }).id;
      const clients = await Promise.all(ports.gateways.map((port) => StompTestClient.connect(`http://127.0.0.1:${port}`, 'websocket', { authorization: auth('bob') })));
      const inboxes = await Promise.all(clients.map((c) => c.subscribe(`/topic/trades/${tradeId}/chat`)));
      await fetch(`http://127.0.0.1:${ports.api}/p2p/trades/${tradeId}/chat`, {
        method: 'POST',
        headers: { Authorization: auth('alice'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: 'xin chào' }),
      });
      for (const inbox of inboxes) await eventually(() => assert.deepEqual(inbox.bodies().map((m) => m.message), ['xin chào']));
      await Promise.all(clients.map((c) => c.disconnect()));
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, output);
    } finally {
      child.kill('SIGKILL');
      await backends.dispose();
    }
  });
});
