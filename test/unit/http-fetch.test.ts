import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpFetch } from '../../bench/load/http-fetch.js';

// The load generator's fetch must give the client library what a browser's does, or the bench
// would measure a different client.
describe('the load generator’s fetch (bench/load/http-fetch.ts)', () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; url?: string; body: string; authorization?: string; remotePort?: number }[] = [];

  before(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      seen.push({ method: req.method, url: req.url, body, authorization: req.headers.authorization, remotePort: req.socket.remotePort });
      if (req.url === '/hold') return; // answered never: the caller abandons it
      if (req.url === '/busy') {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '2' }).end('{"error":"overloaded"}');
        return;
      }
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ echo: body, ü: 'ğ' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => (seen.length = 0));

  it('sends the method, headers and body, and answers status, ok and the JSON body (UTF-8)', async () => {
    const res = await httpFetch()(`${base}/p2p/x?a=1`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{"n":"é"}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.deepEqual(await res.json(), { echo: '{"n":"é"}', ü: 'ğ' });
    assert.deepEqual(seen, [{ method: 'POST', url: '/p2p/x?a=1', body: '{"n":"é"}', authorization: 'Bearer t', remotePort: seen[0]!.remotePort }]);
  });

  it('answers an error status with its headers, and a body that is not JSON rejects json()', async () => {
    const fetch = httpFetch();
    const busy = await fetch(`${base}/busy`, { method: 'GET', headers: {} });
    assert.equal(busy.ok, false);
    assert.equal(busy.status, 503);
    assert.equal(busy.headers?.get('Retry-After'), '2');
    assert.equal(busy.headers?.get('X-None'), null);
    const empty = await fetch(`${base}/empty`, { method: 'GET', headers: {} });
    await assert.rejects(empty.json());
  });

  it('keeps the connection for the next request, as a browser and undici do', async () => {
    const fetch = httpFetch();
    await fetch(`${base}/a`, { method: 'GET', headers: {} });
    await fetch(`${base}/b`, { method: 'GET', headers: {} });
    assert.equal(seen[0]!.remotePort, seen[1]!.remotePort);
  });

  it('rejects once the caller aborts, with the signal aborted', async () => {
    const controller = new AbortController();
    const pending = httpFetch()(`${base}/hold`, { method: 'GET', headers: {}, signal: controller.signal });
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await assert.rejects(httpFetch()(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {} }), { code: 'ECONNREFUSED' });
  });
});
