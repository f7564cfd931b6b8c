import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { LOGGER_OPTIONS } from '../../src/observability/logger.js';
import { eventually } from '../support/eventually.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { listen, startGatewayTestSystem, type GatewayTestSystem, type Listening } from '../support/gateway-harness.js';
import { ensureClientBuilt } from '../support/browser.js';
import { JWT_SECRET } from '../support/services.js';
import { StompTestClient } from '../support/stomp-clients.js';

const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://unused/db', AMQP_URL: 'amqp://unused', JWT_SECRET: 'x'.repeat(32) };
const APP = 'https://app.example';
const EMBEDDED = { db: 'embedded', bus: 'in-process' } as const;

/** The status a WebSocket handshake to /ws/websocket gets: 101 when it opens. */
function handshake(baseUrl: string, origin: string | undefined): Promise<number> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws/websocket`, origin === undefined ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

const info = (baseUrl: string, origin?: string) => fetch(`${baseUrl}/ws/info`, { headers: origin ? { Origin: origin } : {} });

describe('gateway handshakes and the SockJS iframe page', function () {
  this.timeout(30_000);

  it("keeps a token in a SockJS URL out of the log (sockjs's own request lines)", async () => {
    const raw: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (raw.push(String(chunk)), done()) });
    const t = await startTestSystem(EMBEDDED, { logger: pino({ ...LOGGER_OPTIONS, level: 'debug' }, sink) });
    const server = await listen(t.system);
    try {
      const token = t.token('alice');
      assert.equal((await fetch(`${server.baseUrl}/ws/info?access_token=${token}`)).status, 200);
      assert.equal((await fetch(`${server.baseUrl}/ws/iframe.html?t=${token}`)).status, 200);
      await eventually(() =>
        assert.ok(
          raw.some((line) => line.includes('/ws/info')),
          'sockjs logged no request line',
        ),
      );
      assert.ok(!raw.join('').includes(token), 'a token reached the log');
    } finally {
      await t.close();
      server.server.closeAllConnections();
      server.server.close();
    }
  });

  describe('in production (CORS_ORIGINS set)', () => {
    let t: TestSystem;
    let server: Listening;
    before(async () => {
      t = await startTestSystem(EMBEDDED, { env: { ...PRODUCTION, CORS_ORIGINS: APP } });
      server = await listen(t.system);
    });
    after(async () => {
      await t?.close();
      server?.server.closeAllConnections();
      server?.server.close();
    });

    it('refuses a WebSocket or SockJS handshake from a browser origin outside CORS_ORIGINS', async () => {
      assert.equal(await handshake(server.baseUrl, 'https://evil.example'), 403);
      assert.equal(await handshake(server.baseUrl, 'null'), 403);
      const refused = await info(server.baseUrl, 'https://evil.example');
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { message: string }).message, /CORS_ORIGINS/);
    });

    it('accepts a listed origin, its own origin, and clients that send no Origin', async () => {
      assert.equal(await handshake(server.baseUrl, APP), 101);
      assert.equal(await handshake(server.baseUrl, server.baseUrl), 101);
      assert.equal(await handshake(server.baseUrl, undefined), 101);
      assert.equal((await info(server.baseUrl, APP)).status, 200);
      assert.equal((await info(server.baseUrl)).status, 200);
    });

    it('refuses at CONNECT what the API refuses: a token without exp, or past JWT_MAX_TTL', async () => {
      const refusal = (token: string) =>
        StompTestClient.connect(server.baseUrl, 'websocket', { authorization: `Bearer ${token}` }).then(
          async (client) => (await client.disconnect(), 'connected'),
          (err: Error) => err.message,
        );
      const exp = (hours: number) => Math.floor(Date.now() / 1000) + hours * 3600;
      assert.match(await refusal(jwt.sign({ sub: 'alice' }, JWT_SECRET)), /no expiry/);
      assert.match(await refusal(jwt.sign({ sub: 'alice', exp: exp(25) }, JWT_SECRET)), /expires more than 86400 s/);
      assert.equal(await refusal(jwt.sign({ sub: 'alice', exp: exp(1) }, JWT_SECRET)), 'connected');
    });

    it('lets only CORS_ORIGINS frame the iframe page', async () => {
      const res = await fetch(`${server.baseUrl}/ws/iframe.html`);
      assert.equal(res.headers.get('content-security-policy'), `frame-ancestors 'self' ${APP}`);
    });
  });

  describe('in demo mode', () => {
    let t: GatewayTestSystem;
    before(async () => {
      [t] = await Promise.all([startGatewayTestSystem(EMBEDDED), ensureClientBuilt()]);
    });
    after(() => t?.close());

    it('accepts any origin', async () => {
      assert.equal(await handshake(t.baseUrl, 'https://anywhere.example'), 101);
    });

    it('serves the iframe page with its own copy of sockjs-client, the version in the client bundle', async () => {
      const iframe = await fetch(`${t.baseUrl}/ws/iframe.html`);
      assert.equal(iframe.headers.get('content-security-policy'), 'frame-ancestors *');
      const html = await iframe.text();
      assert.match(html, /<script src="sockjs\.min\.js"><\/script>/);
      assert.doesNotMatch(html, /https?:\/\//, 'the iframe page loads something from elsewhere');

      const script = await fetch(`${t.baseUrl}/ws/sockjs.min.js`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /javascript/);
      const { version } = createRequire(import.meta.url)('sockjs-client/package.json') as { version: string };
      assert.ok((await script.text()).includes(`"${version}"`), `the served script is not sockjs-client ${version}`);
      const bundle = await readFile(new URL('../../client/dist/realtime-client.js', import.meta.url), 'utf8');
      assert.ok(bundle.includes(`"${version}"`), `the client bundle is not sockjs-client ${version}`);
    });
  });
});
