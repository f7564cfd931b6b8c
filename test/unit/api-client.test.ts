import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../src/gateway/app-sends/api-client.js';

/** A stand-in api on a free port: answers every request with `answer` and records what it saw. */
async function fakeApi(answer: { status: number; body: unknown }) {
  const seen: { url: string | undefined; authorization: string | undefined }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization });
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('gateway: the api client (src/gateway/app-sends/api-client.ts)', () => {
  it('keeps a path prefix of API_URL: the route is joined to it, not resolved against the origin', async () => {
    const api = await fakeApi({ status: 201, body: { ok: true } });
    try {
      for (const base of [`${api.origin}/internal/api`, `${api.origin}/internal/api/`, api.origin]) {
        const client = new ApiClient(() => new URL(base), 5_000);
        assert.deepEqual(await client.post('/p2p/trades/t1/chat', 'Bearer x', {}), { ok: true });
        client.close();
      }
      assert.deepEqual(
        api.seen.map((s) => s.url),
        ['/internal/api/p2p/trades/t1/chat', '/internal/api/p2p/trades/t1/chat', '/p2p/trades/t1/chat'],
      );
    } finally {
      await api.close();
    }
  });
});
