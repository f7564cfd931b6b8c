import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyToken } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config/config.js';
import { openEmbeddedDatabase } from '../../src/persistence/embedded-database.js';
import { createScratchPostgres } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';

const run = promisify(execFile);
const TRANSCRIPT_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const MAIN = ['--import', 'tsx', 'src/main.ts'];

/** The machine's environment without any of the product's own variables. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'AMQP_URL', 'JWT_SECRET', 'TRANSCRIPT_SIGNING_KEY', 'PORT', 'NODE_ENV', 'DATA_DIR']) delete env[name];
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

/** `main.ts all` as a child process, with what it prints so far and its exit code. */
function startAll(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [...MAIN, 'all'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => output, exited };
}

describe('commands (the processes a user starts)', function () {
  this.timeout(60_000);

  it('a production role without DATABASE_URL exits 1 with one line naming it', async () => {
    const env = cleanEnv({ AMQP_URL: 'amqp://127.0.0.1:1', JWT_SECRET: 'x'.repeat(32), TRANSCRIPT_SIGNING_KEY: TRANSCRIPT_KEY });
    const err = await run(process.execPath, [...MAIN, 'api'], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(err, 'the process failed');
    assert.equal(err.code, 1);
    assert.equal(err.stderr.trim().split('\n').length, 1);
    assert.match(err.stderr, /^Configuration error: DATABASE_URL is required/);
  });

  it('reports every configuration problem in one run, one line each', async () => {
    const err = await run(process.execPath, [...MAIN, 'api'], { env: cleanEnv({ PORT: 'eighty' }) }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(err?.code, 1);
    assert.deepEqual(
      err.stderr
        .trim()
        .split('\n')
        .map((line) => line.trim().split(' ')[0]),
      ['Configuration', 'DATABASE_URL', 'AMQP_URL', 'JWT_SECRET', 'TRANSCRIPT_SIGNING_KEY', 'PORT'],
    );
  });

  it('--help lists the roles, the commands and the key variables, and exits 0', async () => {
    const { stdout } = await run(process.execPath, [...MAIN, '--help'], { env: cleanEnv() });
    for (const word of ['all', 'api', 'gateway', 'notification', 'migrate', 'npm run token', 'DATABASE_URL', 'AMQP_URL', 'JWT_SECRET', 'DATA_DIR', 'PORT']) {
      assert.ok(stdout.includes(word), `--help mentions ${word}`);
    }
  });

  it('--help after a role (npm start -- --help) prints the help and starts nothing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2p-help-'));
    try {
      const env = cleanEnv({ PORT: String(await freePort()), DATA_DIR: dataDir });
      const { stdout } = await run(process.execPath, [...MAIN, 'all', '--help'], { env, timeout: 20_000 });
      assert.match(stdout, /^Usage: /);
      assert.equal(existsSync(join(dataDir, 'pglite')), false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a port already in use is one line, before the data folder is created or migrated', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2p-port-'));
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const err = await run(process.execPath, [...MAIN, 'all'], { env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port) }) }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(err?.code, 1);
      assert.equal(err.stderr.trim(), `port ${port} on 0.0.0.0 is already in use: stop the process using it, or set PORT`);
      assert.equal(existsSync(join(dataDir, 'pglite')), false, 'no database was opened');
    } finally {
      holder.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('npm start ends with a banner naming the demo URL, and successful requests do not bury it at info', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2p-banner-'));
    const port = await freePort();
    const { child, output, exited } = startAll(cleanEnv({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' }));
    try {
      await eventually(async () => assert.match(output(), new RegExp(`Demo: open http://localhost:${port}/ in a browser`)), 30_000, 200);
      for (const path of ['/', '/readyz', '/healthz']) assert.equal((await fetch(`http://127.0.0.1:${port}${path}`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/no-such-page`)).status, 404);
      await eventually(async () => assert.match(output(), /"url":"\/no-such-page"/), 5_000, 100);
      const afterBanner = output().slice(output().indexOf('Demo: open'));
      assert.doesNotMatch(afterBanner, /"url":"\/(readyz|healthz)?"/, 'successful requests are not logged at info');
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('npm run token: refuses a DATA_DIR with no secret (creating none) or a cut-short one, and a bad user id; issues 12 h tokens', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2p-token-'));
    const token = (...args: string[]) =>
      run('npm', ['run', '-s', 'token', '--', ...args], { env: cleanEnv({ DATA_DIR: dataDir }) }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    try {
      const missing = await token('alice');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr.trim(), /^no demo secret in .*jwt-secret: run `npm start` once with this DATA_DIR, or set JWT_SECRET$/);
      assert.equal(existsSync(join(dataDir, 'jwt-secret')), false, 'no secret was written');

      await writeFile(join(dataDir, 'jwt-secret'), 'cut-short\n');
      const short = await token('alice');
      assert.equal(short.code, 1);
      assert.match(
        short.stderr.trim(),
        /^Configuration error: .*jwt-secret holds fewer than 32 characters: delete it \(npm start makes a new one\) or set JWT_SECRET$/,
      );

      await writeFile(join(dataDir, 'jwt-secret'), 'a-demo-secret-of-the-length-npm-start-gives-0123456789');
      const badId = await token('a b');
      assert.equal(badId.code, 2);
      assert.match(badId.stderr, /^invalid user id "a b"/);
      // A mistyped flag would otherwise give a plain token where an admin one was meant.
      const badFlag = await token('alice', '--admn');
      assert.equal(badFlag.code, 2);
      assert.match(badFlag.stderr, /^unknown option --admn/);

      const issued = await token('alice');
      assert.equal(issued.code, 0);
      const claims = JSON.parse(Buffer.from(issued.stdout.trim().split('.')[1]!, 'base64url').toString()) as { sub: string; iat: number; exp: number };
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.exp - claims.iat, 12 * 3600);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('npm run token: with JWT_ISSUER and JWT_AUDIENCE set, issues tokens the server accepts', async () => {
    const env = cleanEnv({ JWT_SECRET: 'token-cli-issuer-test-secret-0123456789', JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'p2p' });
    const { stdout } = await run('npm', ['run', '-s', 'token', '--', 'alice'], { env });
    const rules = { secret: env.JWT_SECRET!, ...loadConfig('all', env).jwt };
    assert.equal(verifyToken(`Bearer ${stdout.trim()}`, rules).actor.userId, 'alice');
  });

  // The lock is read from /proc, so it exists on Linux only (this project's machines and CI).
  it('npm start refuses an embedded data folder another process holds, as Studio does the other way round (Linux)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2p-lock-'));
    // This test process holds the folder open, as a running Studio (or another npm start) would.
    const db = await openEmbeddedDatabase(join(dataDir, 'pglite'));
    try {
      const env = cleanEnv({ DATA_DIR: dataDir, PORT: String(await freePort()) });
      const err = await run(process.execPath, [...MAIN, 'all'], { env }).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(err?.code, 1);
      assert.match(err.stderr.trim(), new RegExp(`^the embedded database in .*pglite is in use by process ${process.pid} .*stop it first`));
    } finally {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the all role starts on the embedded defaults, serves REST, and stops cleanly on SIGTERM without waiting out a held long poll', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'p2p-start-'));
    const port = await freePort();
    const { child, output, exited } = startAll(cleanEnv({ DATA_DIR: dataDir, PORT: String(port) }));
    try {
      await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          assert.equal(res.status, 200);
        },
        30_000,
        200,
      );
      const token = /"alice" \(12 h\): (\S+)/.exec(output())?.[1];
      assert.ok(token, 'start-up prints a demo token');
      const res = await fetch(`http://127.0.0.1:${port}/p2p/trades`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ sellerId: 'bob', amount: '5', asset: 'USDT', fiat: 'VND' }),
      });
      assert.equal(res.status, 201);
      // The token command, as the README has it (`TOKEN=$(npm run -s token -- bob)`), prints the
      // token alone and signs with the secret this start generated in DATA_DIR.
      const { stdout } = await run('npm', ['run', '-s', 'token', '--', 'bob'], { env: cleanEnv({ DATA_DIR: dataDir }) });
      assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n?$/, 'stdout is one JWT');
      const trade = (await res.json()) as { id: string };
      const asBob = await fetch(`http://127.0.0.1:${port}/p2p/trades/${trade.id}`, { headers: { Authorization: `Bearer ${stdout.trim()}` } });
      assert.equal(asBob.status, 200);
      const headers = { Authorization: `Bearer ${token}` };
      const first = (await (await fetch(`http://127.0.0.1:${port}/p2p/sync`, { headers })).json()) as { tradesCursor: string };
      let answeredAt: number | undefined;
      const held = fetch(`http://127.0.0.1:${port}/p2p/sync?wait=30&tradesAfter=${first.tradesCursor}`, { headers }).then((r) => {
        answeredAt = Date.now();
        return r.status;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const signalled = Date.now();
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(await held, 200);
      // Far below the 30 s it asked for: a held poll kept the server, and the process, open that long.
      assert.ok(answeredAt! - signalled < 15_000, `the held poll was answered ${answeredAt! - signalled} ms after SIGTERM`);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('migrate applies the migrations to DATABASE_URL, and prisma migrate status agrees', async () => {
    const scratch = await createScratchPostgres();
    try {
      const env = cleanEnv({ DATABASE_URL: scratch.url });
      await run(process.execPath, [...MAIN, 'migrate'], { env });
      const status = await run('npx', ['prisma', 'migrate', 'status'], { env });
      assert.match(status.stdout, /Database schema is up to date/);
    } finally {
      await scratch.drop();
    }
  });
});
