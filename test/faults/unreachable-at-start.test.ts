// A database or broker that is not there when a role starts is an outage, not a configuration
// error: the role listens, says so once (not once a second) and in /readyz, and recovers by
// itself when the service appears. Each service sits behind a TCP proxy that is down at start.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { issueToken } from '../../src/auth/jwt.js';
import { createScratchPostgres } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';
import { AMQP_URL, JWT_SECRET, TRANSCRIPT_SIGNING_KEY } from '../support/services.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

type Proxy = Awaited<ReturnType<typeof startTcpProxy>>;

function viaProxy(url: string, proxy: Proxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

describe('a role whose database and broker are unreachable at start', function () {
  this.timeout(90_000);
  let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;
  let pgProxy: Proxy;
  let mqProxy: Proxy;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    scratch = await createScratchPostgres();
    pgProxy = await startTcpProxy(Number(new URL(scratch.url).port || 5432), new URL(scratch.url).hostname);
    mqProxy = await startTcpProxy(Number(new URL(AMQP_URL).port || 5672), new URL(AMQP_URL).hostname);
    await Promise.all([pgProxy.down(), mqProxy.down()]);
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    await Promise.all([pgProxy.close(), mqProxy.close()]);
    await scratch.drop();
  });

  for (const role of ['gateway', 'api'] as const) {
    it(`${role}: listens, logs each outage once, reports it in /readyz, and recovers`, async () => {
      const port = await freePort();
      const env = {
        ...process.env,
        DATABASE_URL: viaProxy(scratch.url, pgProxy),
        AMQP_URL: viaProxy(AMQP_URL, mqProxy),
        JWT_SECRET,
        TRANSCRIPT_SIGNING_KEY,
        PORT: String(port),
        LOG_LEVEL: 'info',
      };
      child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      let exited = false;
      child.on('exit', () => (exited = true));
      const readyz = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
      };

      await eventually(
        async () => {
          assert.equal(exited, false, `the role ended:\n${output}`);
          const { status, body } = await readyz();
          assert.equal(status, 503);
          assert.deepEqual([body.checks.database, body.checks.eventBus], ['down', 'down']);
        },
        30_000,
        200,
      );
      if (role === 'api') {
        const res = await fetch(`http://127.0.0.1:${port}/p2p/trades`, { headers: { Authorization: `Bearer ${issueToken(JWT_SECRET, 'alice')}` } });
        assert.equal(res.status, 503);
        assert.doesNotMatch(((await res.json()) as { message: string }).message, /lost/, 'it never had a connection to lose');
      }
      // Retries go on every second; the log says so once per service.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      assert.equal(exited, false, 'the role is still running');
      assert.equal(output.match(/RabbitMQ is unreachable/g)?.length, 1, output);
      assert.doesNotMatch(output, /connection lost/);
      if (role === 'api') assert.equal(output.match(/the database is unreachable/g)?.length, 1, output);

      await Promise.all([pgProxy.up(), mqProxy.up()]);
      await eventually(async () => assert.equal((await readyz()).status, 200), 30_000, 250);
      assert.match(output, /RabbitMQ is reachable \(after \d+ s\)/);
    });
  }
});
