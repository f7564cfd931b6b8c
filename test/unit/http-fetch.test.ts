import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpFetch } from '../../bench/load/http-fetch.js';

// The load generator's fetch must give the client library what a browser's does, or the bench
// would measure a different client.
describe("the load generator's fetch (bench/load/http-fetch.ts)", () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; url?: string; body: string; authorization?: string; remotePort?: number }[] = [];

  // Requests to /gather are answered together once `gather.size` of them are in.
  const gather = { size: 0, held: [] as (() => void)[] };
  let held: () => void = () => {};
  let requestsOnConnection = new WeakMap<object, number>();

  before(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      seen.push({ method: req.method, url: req.url, body, authorization: req.headers.authorization, remotePort: req.socket.remotePort });
      const nth = (requestsOnConnection.get(req.socket) ?? 0) + 1;
      requestsOnConnection.set(req.socket, nth);
      if (req.url === '/hold') return void held(); // answered never: the caller abandons it
      // As a server closing an idle connection just as a request arrives on it.
      if (req.url === '/reset-reused' && nth > 1) return void req.socket.destroy();
      if (req.url === '/busy') {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '2' }).end('{"error":"overloaded"}');
        return;
      }
      if (req.url === '/empty') return void res.writeHead(204).end();
      const answer = () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ echo: body, ü: 'ğ' }));
      if (req.url !== '/gather') return answer();
      gather.held.push(answer);
      if (gather.held.length === gather.size) for (const release of gather.held.splice(0)) release();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    seen.length = 0;
    requestsOnConnection = new WeakMap();
  });

  it('sends the method, headers and body, and answers status, ok and the JSON body (UTF-8)', async () => {
    const res = await httpFetch()(`${base}/p2p/x?a=1`, {
      method: 'POST',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: '{"n":"é"}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.deepEqual(await res.json(), { echo: '{"n":"é"}', ü: 'ğ' });
    assert.deepEqual(
      seen.map(({ remotePort: _, ...request }) => request),
      [{ method: 'POST', url: '/p2p/x?a=1', body: '{"n":"é"}', authorization: 'Bearer t' }],
    );
  });

  it('answers an error status with its headers, and a body that is not JSON rejects json()', async () => {
    const fetch = httpFetch();
    const busy = await fetch(`${base}/busy`, { method: 'GET', headers: {} });
    assert.equal(busy.ok, false);
    assert.equal(busy.status, 503);
    assert.equal(busy.headers?.get('Retry-After'), '2');
    assert.equal(busy.headers?.get('X-None'), null);
    assert.deepEqual(await busy.json(), { error: 'overloaded' });
    const empty = await fetch(`${base}/empty`, { method: 'GET', headers: {} });
    await assert.rejects(empty.json());
  });

  it('keeps every connection of a burst for the next one, as undici does (node:http would keep 256)', async () => {
    const fetch = httpFetch();
    const burst = async () => {
      seen.length = 0;
      gather.size = 300;
      await Promise.all(Array.from({ length: gather.size }, () => fetch(`${base}/gather`, { method: 'GET', headers: {} })));
      return new Set(seen.map((r) => r.remotePort));
    };
    const first = await burst();
    assert.equal(first.size, 300);
    const second = await burst();
    assert.deepEqual(
      [...second].filter((port) => !first.has(port)),
      [],
      'no new connection',
    );
  });

  it('sends a request again, once, on a new connection when the server closed the kept one under it', async () => {
    const fetch = httpFetch();
    await fetch(`${base}/a`, { method: 'GET', headers: {} });
    const res = await fetch(`${base}/reset-reused`, { method: 'POST', headers: {}, body: 'once' });
    assert.equal(res.status, 200);
    assert.deepEqual(
      seen.map((r) => [r.url, r.remotePort === seen[0]!.remotePort]),
      [
        ['/a', true],
        ['/reset-reused', true],
        ['/reset-reused', false],
      ],
    );
  });

  it('rejects once the caller aborts, with the signal aborted', async () => {
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => (held = resolve));
    const pending = httpFetch()(`${base}/hold`, { method: 'GET', headers: {}, signal: controller.signal });
    await arrived;
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
