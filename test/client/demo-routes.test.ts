import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import supertest from 'supertest';
import { pino } from 'pino';
import { authenticate } from '../../src/auth/jwt.js';
import { demoRoutes } from '../../src/http/demo-routes.js';
import { errorHandler, notFoundRoute } from '../../src/http/errors.js';
import { Unavailable } from '../../src/http/unavailable.js';
import { createMetrics } from '../../src/observability/metrics.js';

const RULES = { secret: 'demo-routes-test-secret-0123456789abcdef', requireExpiry: false, maxTtlSeconds: 86_400 };

function app(options: { demo: boolean; staticDir: string; gatewayUrls?: string[] }) {
  const app = express();
  app.use(demoRoutes({ demo: options.demo, staticDir: options.staticDir, tokens: RULES, page: { gatewayUrls: options.gatewayUrls ?? [] } }));
  app.use(notFoundRoute);
  app.use(errorHandler(pino({ level: 'silent' }), new Unavailable(1, createMetrics('api').unavailableResponses)));
  return supertest(app);
}

describe('client: demo routes', () => {
  let staticDir: string;
  before(() => {
    staticDir = mkdtempSync(join(tmpdir(), 'demo-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Chào</title>');
  });
  after(() => rmSync(staticDir, { recursive: true, force: true }));

  it('serves the built page at /', async () => {
    const res = await app({ demo: false, staticDir }).get('/').expect(200);
    assert.match(res.headers['content-type'] ?? '', /text\/html; charset=utf-8/);
    assert.match(res.text, /Chào/);
  });

  it('says how to build the page when it is missing', async () => {
    const res = await app({ demo: true, staticDir: join(staticDir, 'missing') })
      .get('/')
      .expect(404);
    assert.match(res.body.message, /npm run build:client/);
  });

  it('in demo mode, logs a user in with a token for them', async () => {
    const res = await app({ demo: true, staticDir }).post('/demo/login').send({ userId: 'alice' }).expect(200);
    assert.deepEqual(authenticate(`Bearer ${res.body.token}`, RULES), { userId: 'alice', isAdmin: false });
  });

  it('in demo mode, logs an admin in when asked, and no one else', async () => {
    const admin = await app({ demo: true, staticDir }).post('/demo/login').send({ userId: 'mia', admin: true }).expect(200);
    assert.deepEqual(authenticate(`Bearer ${admin.body.token}`, RULES), { userId: 'mia', isAdmin: true });
    const user = await app({ demo: true, staticDir }).post('/demo/login').send({ userId: 'alice', admin: false }).expect(200);
    assert.deepEqual(authenticate(`Bearer ${user.body.token}`, RULES), { userId: 'alice', isAdmin: false });
    // Only a JSON boolean: a string "true" is a mistake, not an admin.
    const res = await app({ demo: true, staticDir }).post('/demo/login').send({ userId: 'mia', admin: 'true' }).expect(400);
    assert.equal(res.body.error, 'bad_request');
  });

  it('refuses a user id that could not be a destination segment', async () => {
    for (const userId of ['', 'a/b', 'x y', 42]) {
      const res = await app({ demo: true, staticDir }).post('/demo/login').send({ userId }).expect(400);
      assert.equal(res.body.error, 'bad_request');
    }
  });

  it('serves the page its gateway URLs from the configuration, and nothing else', async () => {
    const urls = ['https://rt1.example.com', 'https://rt2.example.com'];
    const res = await app({ demo: false, staticDir, gatewayUrls: urls }).get('/config.json').expect(200);
    assert.deepEqual(res.body, { gatewayUrls: urls });
    // The page's query string cannot change it.
    const asked = await app({ demo: false, staticDir }).get('/config.json?socket=ws://evil.example').expect(200);
    assert.deepEqual(asked.body, { gatewayUrls: [] });
  });

  it('has no login outside demo mode', async () => {
    await app({ demo: false, staticDir }).post('/demo/login').send({ userId: 'alice' }).expect(404);
  });
});
