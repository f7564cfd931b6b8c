import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { JWT_SECRET } from '../support/services.js';

describe('operational endpoints and authentication', () => {
  let t: TestSystem;
  before(async () => {
    t = await startTestSystem(DRIVER_SETS[0]!);
  });
  after(() => t.close());

  it('serves /healthz, /readyz and Prometheus /metrics without a token', async () => {
    await t.http.get('/healthz').expect(200, { status: 'ok' });
    const ready = await t.http.get('/readyz').expect(200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { database: 'ok', eventBus: 'ok', gateway: 'ok' } });
    await openTrade(t, 'alice', 'bob');
    const metrics = await t.http.get('/metrics').expect(200);
    assert.match(metrics.headers['content-type']!, /text\/plain/);
    assert.match(metrics.text, /^outbox_events_published_total\{role="all"\} \d+/m);
    assert.match(metrics.text, /^http_request_duration_seconds_count\{.*route="\/p2p\/trades".*\} \d+/m);
    assert.match(metrics.text, /^event_bus_connected\{role="all"\} 1/m);
  });

  const credentials: [string, () => string | undefined, RegExp][] = [
    ['no Authorization header', () => undefined, /missing/],
    ['a non-Bearer scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`, /Bearer/],
    ['a malformed token', () => 'Bearer not.a.jwt', /invalid/],
    ['a token signed with another secret', () => `Bearer ${jwt.sign({ sub: 'alice' }, 'another-secret-another-secret-xx')}`, /invalid/],
    ['an expired token', () => `Bearer ${jwt.sign({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 10 }, JWT_SECRET)}`, /expired/],
    ['an unsigned (alg none) token', () => `Bearer ${jwt.sign({ sub: 'alice' }, '', { algorithm: 'none' })}`, /invalid/],
    ['a token without subject', () => `Bearer ${jwt.sign({ roles: [] }, JWT_SECRET)}`, /subject/],
    ['a subject with a slash', () => `Bearer ${jwt.sign({ sub: 'a/b' }, JWT_SECRET)}`, /subject/],
  ];
  for (const [name, header, message] of credentials) {
    it(`answers 401 with a JSON error for ${name}`, async () => {
      const req = t.http.get('/p2p/notifications');
      const value = header();
      if (value) req.set('Authorization', value);
      const res = await req.expect(401);
      assert.equal(res.body.error, 'unauthorized');
      assert.match(res.body.message, message);
    });
  }

  it('answers unknown routes with a JSON 404', async () => {
    const res = await t.http.get('/p2p/nothing-here').set('Authorization', t.auth('alice')).expect(404);
    assert.equal(res.body.error, 'not_found');
    await t.http.get('/nothing').expect(404);
  });

  it('allows no cross-origin call and offers no dev login in production mode', async () => {
    const prod = await startTestSystem(DRIVER_SETS[0]!, {
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgresql://unused/db', AMQP_URL: 'amqp://unused', JWT_SECRET: 'x'.repeat(32) },
    });
    try {
      const res = await prod.http.options('/p2p/trades').set('Origin', 'http://example.test').set('Access-Control-Request-Method', 'POST');
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      await prod.http.post('/demo/login').send({ userId: 'alice' }).expect(404);
    } finally {
      await prod.close();
    }
  });

  it('allows cross-origin calls in demo mode', async () => {
    const res = await t.http.options('/p2p/trades').set('Origin', 'http://example.test').set('Access-Control-Request-Method', 'POST').expect(204);
    assert.equal(res.headers['access-control-allow-origin'], 'http://example.test');
  });
});
