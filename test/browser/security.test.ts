import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { WebSocketServer } from 'ws';
import { JWT_SECRET } from '../support/services.js';
import { uniqueUser } from '../support/gateway-harness.js';
import { useBrowserSuite } from '../support/browser.js';
import { sleep } from '../support/eventually.js';

/** What a server the page must never talk to saw: every request, upgrade and WebSocket message. */
interface Attacker {
  origin: string;
  seen: string[];
  close(): Promise<void>;
}

/**
 * A local stand-in for another site (`evil.example`): answers anything, accepts WebSockets,
 * and writes it all down. `/frame.html` frames `appUrl`; `/sockjs.html` uses its gateway over
 * SockJS as a third-party page would.
 */
async function startAttacker(appUrl: string): Promise<Attacker> {
  const seen: string[] = [];
  const note = (req: IncomingMessage) => seen.push(`${req.method} ${req.url} authorization=${req.headers.authorization ?? ''}`);
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    if (req.url === '/frame.html') {
      res.setHeader('Content-Type', 'text/html');
      return res.end(`<!doctype html><iframe id="victim" src="${appUrl}/"></iframe>`);
    }
    if (req.url?.startsWith('/sockjs.html')) {
      res.setHeader('Content-Type', 'text/html');
      return res.end(`<!doctype html><script src="${appUrl}/ws/sockjs.min.js"></script>`);
    }
    note(req);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('{}');
  });
  server.on('upgrade', (req, socket, head) => {
    note(req);
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data: Buffer) => seen.push(`WS ${data.toString()}`)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('browser: the demo page keeps its token to its own servers', function () {
  this.timeout(60_000);
  const suite = useBrowserSuite();
  let attacker: Attacker;

  before(async () => {
    attacker = await startAttacker(suite.system.baseUrl);
  });
  after(() => attacker?.close());

  it('a logged-in tab sent to /?socket=<attacker> connects to its own gateway and gives the attacker nothing', async () => {
    const page = await suite.openPage();
    await page.login(uniqueUser('victim'));
    await page.waitForConnection('live');
    // The links of the finding: the session comes back from sessionStorage, no click needed.
    for (const query of [
      `?transport=websocket&socket=ws://${attacker.origin}/ws/websocket`,
      `?socket=http://${attacker.origin}/ws`,
      `?transport=websocket&socket=ws://${attacker.origin}/`,
    ]) {
      await page.page.goto(`${suite.system.baseUrl}/${query}`);
      await page.byTestId('workspace').waitFor();
      await sleep(1000);
      assert.deepEqual(attacker.seen, [], `the page at ${query} talked to the attacker`);
      await page.waitForConnection('live');
    }
  });

  it("SockJS's iframe transports work with the gateway's own copy of sockjs-client (no CDN)", async () => {
    const page = await suite.openPage();
    await page.page.goto(`http://${attacker.origin}/sockjs.html`);
    const opened = await page.page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const SockJS = (window as unknown as { SockJS: new (url: string, _: null, options: object) => WebSocket }).SockJS;
          const socket = new SockJS(url, null, { transports: ['iframe-eventsource', 'iframe-htmlfile', 'iframe-xhr-polling'] });
          socket.onopen = () => resolve(`open: ${(socket as unknown as { transport: string }).transport}`);
          socket.onclose = (event) => resolve(`closed: ${event.code} ${event.reason}`);
        }),
      `${suite.system.baseUrl}/ws`,
    );
    assert.match(opened, /^open: iframe-/);
  });

  it('when the token runs out, shows a calm "session ended" and a way to log in again', async () => {
    const page = await suite.openPage();
    const userId = uniqueUser('short');
    // The client renews through getToken(); the demo's hands back the same token, so at expiry
    // the library reports auth-required instead of looping.
    await page.loginWithToken(userId, jwt.sign({ sub: userId, roles: [], exp: Math.floor(Date.now() / 1000) + 4 }, JWT_SECRET));
    await page.waitForConnection('live');
    const indicator = page.byTestId('connection-state');
    await indicator.filter({ hasText: 'session ended' }).waitFor({ timeout: 15_000 });
    assert.equal(await indicator.getAttribute('data-state'), 'ended');
    assert.equal(await page.byTestId('error').isVisible(), false, 'expiry was shown as an error');
    await page.byTestId('login-again').click();
    await page.byTestId('login-panel').waitFor();
    assert.equal(await page.byTestId('login-user').inputValue(), userId);
  });

  it('is live with its security headers on, and will not load in a foreign frame', async () => {
    const page = await suite.openPage();
    const violations: string[] = [];
    page.page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const response = await page.page.goto(`${suite.system.baseUrl}/`);
    const headers = response!.headers();
    const csp = headers['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    assert.equal(headers['x-frame-options'], 'DENY');

    await page.login(uniqueUser('user'));
    await page.waitForConnection('live');
    const tradeId = await page.openTrade(uniqueUser('seller'));
    await page.send('CSP on, chat still works');
    assert.ok(tradeId);
    assert.deepEqual(violations, [], 'the page broke its own CSP');

    const framing = await suite.openPage();
    await framing.page.goto(`http://${attacker.origin}/frame.html`);
    await sleep(500);
    const victim = framing.page.frames().find((frame) => frame !== framing.page.mainFrame());
    assert.ok(victim, 'no child frame');
    assert.equal(await victim.locator('[data-testid="login-panel"]').count(), 0, 'the page rendered inside a foreign frame');
  });
});
