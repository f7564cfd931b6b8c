import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { demoSecretFile, resolveJwtSecret } from '../../src/config/demo-secret.js';

const PROD = {
  DATABASE_URL: 'postgresql://u:p@db:5432/p2p',
  AMQP_URL: 'amqp://guest:guest@mq:5672',
  JWT_SECRET: 'x'.repeat(32),
  TRANSCRIPT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

describe('configuration', () => {
  it('runs the all role on embedded defaults with nothing set (demo mode)', () => {
    const c = loadConfig('all', {});
    assert.equal(c.production, false);
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.amqpUrl, undefined);
    assert.equal(c.amqp.exchange, 'websocket.events.exchange');
    assert.deepEqual(c.corsOrigins, ['*']);
  });

  it('gives each role its default port and honours PORT', () => {
    assert.equal(loadConfig('api', PROD).port, 8080);
    assert.equal(loadConfig('gateway', PROD).port, 8081);
    assert.equal(loadConfig('notification', PROD).port, 8082);
    assert.equal(loadConfig('api', { ...PROD, PORT: '9000' }).port, 9000);
  });

  const failures: [string, string, NodeJS.ProcessEnv, RegExp][] = [
    ['api', 'DATABASE_URL missing', { ...PROD, DATABASE_URL: '' }, /^DATABASE_URL is required/],
    ['notification', 'AMQP_URL missing', { ...PROD, AMQP_URL: undefined }, /^AMQP_URL is required/],
    ['api', 'JWT_SECRET missing', { ...PROD, JWT_SECRET: undefined }, /^JWT_SECRET is required/],
    ['all', 'JWT_SECRET missing with NODE_ENV=production', { ...PROD, NODE_ENV: 'production', JWT_SECRET: undefined }, /^JWT_SECRET is required/],
    ['api', 'JWT_SECRET too short', { ...PROD, JWT_SECRET: 'short' }, /^JWT_SECRET is invalid: must be at least 32/],
    ['api', 'DATABASE_URL not postgres', { ...PROD, DATABASE_URL: 'mysql://x/y' }, /^DATABASE_URL is invalid/],
    ['api', 'AMQP_URL not a URL', { ...PROD, AMQP_URL: 'rabbit' }, /^AMQP_URL is invalid/],
    ['api', 'PORT not a number', { ...PROD, PORT: 'eighty' }, /^PORT is invalid/],
    ['api', 'PORT out of range', { ...PROD, PORT: '70000' }, /^PORT is invalid/],
    ['api', 'LOG_LEVEL unknown', { ...PROD, LOG_LEVEL: 'loud' }, /^LOG_LEVEL is invalid/],
    ['gateway', 'GATEWAY_WS_PING_MS zero', { ...PROD, GATEWAY_WS_PING_MS: '0' }, /^GATEWAY_WS_PING_MS is invalid/],
    ['gateway', 'GATEWAY_DRAIN_MS negative', { ...PROD, GATEWAY_DRAIN_MS: '-1' }, /^GATEWAY_DRAIN_MS is invalid/],
    ['gateway', 'GATEWAY_TOKEN_LEEWAY_MS above 30 s', { ...PROD, GATEWAY_TOKEN_LEEWAY_MS: '30001' }, /^GATEWAY_TOKEN_LEEWAY_MS is invalid/],
    ['gateway', 'GATEWAY_PRESENCE_GRACE_MS above 10 s', { ...PROD, GATEWAY_PRESENCE_GRACE_MS: '10001' }, /^GATEWAY_PRESENCE_GRACE_MS is invalid/],
    ['gateway', 'GATEWAY_PRESENCE_TTL_MS above 25 s', { ...PROD, GATEWAY_PRESENCE_TTL_MS: '25001' }, /^GATEWAY_PRESENCE_TTL_MS is invalid/],
    [
      'gateway',
      'GATEWAY_PRESENCE_TTL_MS below two refreshes',
      { ...PROD, GATEWAY_PRESENCE_REFRESH_MS: '6000', GATEWAY_PRESENCE_TTL_MS: '11999' },
      /^GATEWAY_PRESENCE_TTL_MS is invalid: must be at least twice GATEWAY_PRESENCE_REFRESH_MS \(6000\)/,
    ],
    ['api', 'DATABASE_POOL_SIZE below 2', { ...PROD, DATABASE_POOL_SIZE: '1' }, /^DATABASE_POOL_SIZE is invalid: must be at least 2/],
    [
      'api',
      'DATABASE_READ_CONCURRENCY taking the whole pool',
      { ...PROD, DATABASE_POOL_SIZE: '4', DATABASE_READ_CONCURRENCY: '4' },
      /^DATABASE_READ_CONCURRENCY is invalid: must be below DATABASE_POOL_SIZE \(4\)/,
    ],
    ['api', 'OVERLOAD_MAX_IN_FLIGHT zero', { ...PROD, OVERLOAD_MAX_IN_FLIGHT: '0' }, /^OVERLOAD_MAX_IN_FLIGHT is invalid/],
    ['sideways', 'an unknown role', PROD, /^unknown role "sideways"/],
  ];
  for (const [role, name, env, message] of failures) {
    it(`stops with one line naming the variable: ${name}`, () => {
      assert.throws(
        () => loadConfig(role, env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, message);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        },
      );
    });
  }

  it('reports every problem at once, one line each, instead of one per run', () => {
    const env = { JWT_SECRET: 'short', PORT: 'eighty', LOG_LEVEL: 'loud', AMQP_URL: 'rabbit' };
    assert.throws(
      () => loadConfig('api', env),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => p.split(' ')[0]),
          ['DATABASE_URL', 'TRANSCRIPT_SIGNING_KEY', 'AMQP_URL', 'JWT_SECRET', 'PORT', 'LOG_LEVEL'],
        );
        assert.equal(err.message.split('\n').length, 6);
        return true;
      },
    );
  });

  it('pings WebSocket clients every 25 s unless GATEWAY_WS_PING_MS says otherwise', () => {
    assert.equal(loadConfig('gateway', PROD).gateway.wsPingMs, 25_000);
    assert.equal(loadConfig('gateway', { ...PROD, GATEWAY_WS_PING_MS: '5000' }).gateway.wsPingMs, 5_000);
  });

  it('drains over 8 s on SIGTERM unless GATEWAY_DRAIN_MS says otherwise (0: no drain)', () => {
    assert.equal(loadConfig('gateway', PROD).gateway.drainMs, 8_000);
    assert.equal(loadConfig('gateway', { ...PROD, GATEWAY_DRAIN_MS: '0' }).gateway.drainMs, 0);
  });

  it('keeps presence 5 s after a party leaves, refreshes it every 5 s and lets it lapse after 15 s, unless told otherwise', () => {
    assert.deepEqual(loadConfig('gateway', PROD).gateway.presence, { graceMs: 5_000, refreshMs: 5_000, ttlMs: 15_000 });
    assert.deepEqual(loadConfig('gateway', { ...PROD, GATEWAY_PRESENCE_REFRESH_MS: '2000' }).gateway.presence.ttlMs, 6_000);
    const set = { ...PROD, GATEWAY_PRESENCE_GRACE_MS: '2000', GATEWAY_PRESENCE_REFRESH_MS: '1000', GATEWAY_PRESENCE_TTL_MS: '2000' };
    assert.deepEqual(loadConfig('gateway', set).gateway.presence, { graceMs: 2_000, refreshMs: 1_000, ttlMs: 2_000 });
  });

  it('keeps a quarter of the database pool for writes unless told otherwise', () => {
    assert.deepEqual(loadConfig('api', PROD).database, { poolSize: 10, readConcurrency: 8, readWaitMs: 1_000 });
    assert.deepEqual(loadConfig('api', { ...PROD, DATABASE_POOL_SIZE: '20' }).database, { poolSize: 20, readConcurrency: 15, readWaitMs: 1_000 });
    assert.deepEqual(loadConfig('api', { ...PROD, DATABASE_POOL_SIZE: '2' }).database.readConcurrency, 1);
    const set = loadConfig('api', { ...PROD, DATABASE_POOL_SIZE: '6', DATABASE_READ_CONCURRENCY: '3', DATABASE_READ_WAIT_MS: '250' });
    assert.deepEqual(set.database, { poolSize: 6, readConcurrency: 3, readWaitMs: 250 });
  });

  it('sheds reads past 256 requests in flight or 100 ms of event-loop lag, with Retry-After 1, unless told otherwise', () => {
    assert.deepEqual(loadConfig('api', PROD).overload, { maxInFlight: 256, eventLoopLagMs: 100, retryAfterSeconds: 1 });
    const set = loadConfig('api', { ...PROD, OVERLOAD_MAX_IN_FLIGHT: '64', OVERLOAD_EVENT_LOOP_LAG_MS: '50', RETRY_AFTER_SECONDS: '5' });
    assert.deepEqual(set.overload, { maxInFlight: 64, eventLoopLagMs: 50, retryAfterSeconds: 5 });
  });

  it('demo mode: generates a JWT secret in DATA_DIR once, and refuses one shorter than JWT_SECRET may be (an empty one would let anyone sign tokens)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'p2p-demo-secret-'));
    try {
      const generated = resolveJwtSecret({ dataDir });
      assert.ok(generated.length >= 32);
      assert.equal(resolveJwtSecret({ dataDir }), generated, 'kept across starts');
      assert.equal(readFileSync(demoSecretFile(dataDir), 'utf8'), generated);
      for (const content of ['', '  \n', 'x'.repeat(31)]) {
        writeFileSync(demoSecretFile(dataDir), content);
        assert.throws(
          () => resolveJwtSecret({ dataDir }),
          (err: unknown) =>
            err instanceof ConfigError &&
            /jwt-secret holds fewer than 32 characters: delete it \(npm start makes a new one\) or set JWT_SECRET$/.test(err.message),
        );
      }
      assert.equal(resolveJwtSecret({ jwtSecret: 'y'.repeat(32), dataDir }), 'y'.repeat(32), 'JWT_SECRET wins, whatever the file holds');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('accepts a complete production environment', () => {
    const c = loadConfig('api', { ...PROD, CORS_ORIGINS: 'https://a.example, https://b.example' });
    assert.equal(c.production, true);
    assert.deepEqual(c.corsOrigins, ['https://a.example', 'https://b.example']);
  });

  it('takes the transcript keys as PEM (with \\n for newlines), requires the signing key on the writing roles only, and refuses others', () => {
    const pem = PROD.TRANSCRIPT_SIGNING_KEY;
    assert.equal(loadConfig('api', { ...PROD, TRANSCRIPT_SIGNING_KEY: pem.replaceAll('\n', '\\n') }).transcript.signingKeyPem, pem);
    const { TRANSCRIPT_SIGNING_KEY: _, ...withoutKey } = PROD;
    assert.throws(() => loadConfig('api', withoutKey), /TRANSCRIPT_SIGNING_KEY is required in production mode/);
    for (const role of ['gateway', 'notification']) assert.equal(loadConfig(role, withoutKey).transcript.signingKeyPem, undefined, role);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(
      () => loadConfig('api', { ...PROD, TRANSCRIPT_SIGNING_KEY: rsa }),
      /TRANSCRIPT_SIGNING_KEY is invalid: must be an Ed25519 private key in PEM: is a rsa key/,
    );
    assert.throws(() => loadConfig('api', { ...PROD, TRANSCRIPT_RETIRED_PUBLIC_KEYS: 'nope' }), /TRANSCRIPT_RETIRED_PUBLIC_KEYS is invalid/);
  });
});
