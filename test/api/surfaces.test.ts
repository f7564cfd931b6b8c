import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { DRIVER_SETS, startTestSystem, type TestSystem } from '../support/system.js';
import { JWT_SECRET } from '../support/services.js';

// Production mode on the embedded drivers: the URLs only satisfy the configuration check.
const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://unused/db', AMQP_URL: 'amqp://unused', JWT_SECRET: 'x'.repeat(32) };
const METRICS_TOKEN = 'surfaces-metrics-token-0123456789';

describe('API surfaces: headers, /metrics, trade-open limits', () => {
  describe('security headers', () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(DRIVER_SETS[0]!, { env: { PUBLIC_GATEWAY_URLS: 'https://rt1.example.com,http://localhost:8083/' } });
    });
    after(() => t.close());

    it('puts CSP, frame-ancestors, nosniff and Referrer-Policy on API answers, errors included', async () => {
      for (const res of [
        await t.http.get('/p2p/notifications').set('Authorization', t.auth('alice')).expect(200),
        await t.http.get('/p2p/notifications').expect(401),
        await t.http.get('/config.json').expect(200),
      ]) {
        const csp = res.headers['content-security-policy'] ?? '';
        assert.match(csp, /frame-ancestors 'none'/);
        assert.doesNotMatch(csp, /upgrade-insecure-requests/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
        assert.equal(res.headers['referrer-policy'], 'no-referrer');
        assert.equal(res.headers['strict-transport-security'], undefined);
      }
    });

    it('puts them on the lean sync path too (the same pipeline)', async () => {
      const res = await t.http.get('/p2p/sync').set('Authorization', t.auth('alice')).expect(200);
      assert.match(res.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
    });

    it('lets the page connect to the configured gateways and no others', async () => {
      const res = await t.http.get('/config.json').expect(200);
      assert.deepEqual(res.body, { gatewayUrls: ['https://rt1.example.com', 'http://localhost:8083'] });
      const connectSrc = /connect-src ([^;]*)/.exec(res.headers['content-security-policy'] ?? '')?.[1]?.split(' ');
      assert.deepEqual(connectSrc, ["'self'", 'https://rt1.example.com', 'http://localhost:8083', 'wss://rt1.example.com', 'ws://localhost:8083']);
      // SockJS's iframe transports frame the gateway's /ws/iframe.html.
      const frameSrc = /frame-src ([^;]*)/.exec(res.headers['content-security-policy'] ?? '')?.[1]?.split(' ');
      assert.deepEqual(frameSrc, ["'self'", 'https://rt1.example.com', 'http://localhost:8083']);
    });
  });

  describe('token rules in production, on every path', () => {
    it('refuses a token without exp on REST and on the lean sync path alike', async () => {
      const t = await startTestSystem(DRIVER_SETS[0]!, { env: PRODUCTION });
      try {
        const forever = `Bearer ${jwt.sign({ sub: 'alice' }, JWT_SECRET)}`;
        for (const path of ['/p2p/notifications', '/p2p/sync']) {
          const res = await t.http.get(path).set('Authorization', forever).expect(401);
          assert.match(res.body.message, /no expiry/, path);
          await t.http.get(path).set('Authorization', t.auth('alice')).expect(200);
        }
      } finally {
        await t.close();
      }
    });
  });

  describe('/metrics in production', () => {
    it('answers only a scrape with the METRICS_TOKEN bearer token', async () => {
      const t = await startTestSystem(DRIVER_SETS[0]!, { env: { ...PRODUCTION, METRICS_TOKEN } });
      try {
        const anonymous = await t.http.get('/metrics').expect(401);
        assert.equal(anonymous.body.error, 'unauthorized');
        await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
        await t.http.get('/metrics').set('Authorization', t.auth('alice')).expect(401);
        const scrape = await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
        assert.match(scrape.text, /^process_resident_memory_bytes/m);
        await t.http.get('/healthz').expect(200);
      } finally {
        await t.close();
      }
    });

    it('is refused when no METRICS_TOKEN is configured', async () => {
      const t = await startTestSystem(DRIVER_SETS[0]!, { env: PRODUCTION });
      try {
        const res = await t.http.get('/metrics').expect(403);
        assert.match(res.body.message, /METRICS_TOKEN/);
      } finally {
        await t.close();
      }
    });
  });

  describe('opening trades is rate limited', () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(DRIVER_SETS[0]!, { env: { TRADE_OPEN_RATE_LIMIT_PER_MINUTE: '4', TRADE_OPEN_PAIR_RATE_LIMIT_PER_MINUTE: '2' } });
    });
    after(() => t.close());

    const open = (buyer: string, seller: string) =>
      t.http.post('/p2p/trades').set('Authorization', t.auth(buyer)).send({ sellerId: seller, amount: '1', asset: 'USDT', fiat: 'VND' });

    it('per (opener, seller) pair and per opener, with 429 and Retry-After, writing nothing', async () => {
      await open('mallory', 'victim').expect(201);
      await open('mallory', 'victim').expect(201);
      const pair = await open('mallory', 'victim').expect(429);
      assert.equal(pair.body.error, 'rate_limited');
      assert.match(pair.body.message, /with this seller/);
      assert.ok(Number(pair.headers['retry-after']) > 0);
      // Still room for other sellers until the opener's own limit.
      await open('mallory', 'seller-2').expect(201);
      const opener = await open('mallory', 'seller-3').expect(429);
      assert.match(opener.body.message, /too many trades opened/);
      const victimTrades = await t.http.get('/p2p/trades').set('Authorization', t.auth('victim')).expect(200);
      assert.equal(victimTrades.body.length, 2, 'a refused open wrote a trade');
    });

    it('never keeps a seller from trades with other buyers', async () => {
      for (let i = 0; i < 3; i++) await open('mallory-2', 'victim-2').expect((res) => assert.ok([201, 429].includes(res.status)));
      await open('alice', 'victim-2').expect(201);
      await open('bob', 'victim-2').expect(201);
    });
  });
});
