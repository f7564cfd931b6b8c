import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../../src/gateway/app-sends/api-client.js';
import { AppUserError } from '../../src/gateway/app-sends/app-user-error.js';

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

  const refusals: [string, { status: number; body: unknown }, string][] = [
    ['a contract code as is', { status: 429, body: { error: 'rate_limited', message: 'slow down' } }, 'rate_limited'],
    ['a code the contract does not know as bad_request', { status: 418, body: { error: 'teapot', message: 'no' } }, 'bad_request'],
    ['an inherited name as bad_request', { status: 409, body: { error: 'toString', message: 'no' } }, 'bad_request'],
    ['a 4xx without a code as bad_request', { status: 400, body: 'not an error body' }, 'bad_request'],
    ['a 5xx as unavailable', { status: 500, body: { error: 'internal', message: 'boom' } }, 'unavailable'],
  ];
  for (const [name, answer, code] of refusals) {
    it(`turns the api's refusal into a user error: ${name}`, async () => {
      const api = await fakeApi(answer);
      const client = new ApiClient(() => new URL(api.origin), 5_000);
      try {
        await assert.rejects(client.post('/p2p/trades/t1/read', 'Bearer x', { seq: 1 }), (err: unknown) => {
          assert.ok(err instanceof AppUserError);
          assert.equal(err.code, code);
          return true;
        });
      } finally {
        client.close();
        await api.close();
      }
    });
  }
});
