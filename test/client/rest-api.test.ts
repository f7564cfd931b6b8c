import assert from 'node:assert/strict';
import { ApiError, RestApi, STALLED_REQUEST_MS, type Fetch } from '../../client/src/rest-api.js';
import { FakeClock } from './support/fake-clock.js';

interface Request {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function api(answer: () => Promise<{ status: number; body: unknown }>, getToken: () => string | Promise<string> = () => 'tok') {
  const requests: Request[] = [];
  const reachability: boolean[] = [];
  const fetch: Fetch = async (url, init) => {
    requests.push({ url, ...init });
    const { status, body } = await answer();
    return { ok: status < 400, status, json: async () => body };
  };
  const client = new RestApi({ baseUrl: 'https://api.test', apiPath: '/p2p', getToken, fetch, onReachability: (r) => reachability.push(r) });
  return { client, requests, reachability };
}

describe('client: REST API', () => {
  it('gives up any request with no answer within STALLED_REQUEST_MS, and leaves no timer once answered', async () => {
    const clock = new FakeClock();
    let answer: ((value: Awaited<ReturnType<Fetch>>) => void) | undefined;
    const fetch: Fetch = (_url, init) =>
      new Promise((resolve, reject) => {
        answer = resolve;
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const client = new RestApi({ baseUrl: 'https://api.test', apiPath: '/p2p', getToken: () => 'tok', fetch, clock });
    const stalled = client.getTrade('t1');
    const outcome = stalled.then(
      () => 'answered',
      (err: unknown) => (err instanceof ApiError ? `${err.status} ${err.code}` : String(err)),
    );
    await clock.advance(STALLED_REQUEST_MS - 1);
    await clock.advance(1);
    assert.equal(await outcome, '0 unanswered');

    const answered = client.getTrade('t1');
    await clock.advance(0);
    answer!({ ok: true, status: 200, json: async () => ({ id: 't1' }) });
    assert.deepEqual(await answered, { id: 't1' });
    assert.deepEqual(clock.pending(), []);
  });

  it('takes an answer abandoned while its body was read for an abandoned request, not for an empty answer', async () => {
    const controller = new AbortController();
    const fetch: Fetch = async () => ({
      ok: true,
      status: 200,
      json: async () => {
        controller.abort();
        throw new DOMException('aborted', 'AbortError');
      },
    });
    const client = new RestApi({ baseUrl: 'https://api.test', apiPath: '/p2p', getToken: () => 'tok', fetch });
    await assert.rejects(client.chatAfterSeq('t1', 0, 100, controller.signal), (err: unknown) => err instanceof ApiError && err.code === 'aborted');
  });

  it("builds the contract's URLs and sends JSON with the current token", async () => {
    let n = 0;
    const { client, requests } = api(
      async () => ({ status: 200, body: [] }),
      async () => `token-${++n}`,
    );
    await client.chatAfterSeq('t/1', 7, 100);
    await client.chatSince('t1', '2026-01-01T00:00:00.000Z', 50);
    await client.chatSince('t1', undefined, 50);
    await client.sendMessage('t1', 'Chào bạn 👋');
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.url}`),
      [
        'GET https://api.test/p2p/trades/t%2F1/chat?afterSeq=7&limit=100',
        'GET https://api.test/p2p/trades/t1/chat?since=2026-01-01T00%3A00%3A00.000Z&limit=50',
        'GET https://api.test/p2p/trades/t1/chat?limit=50',
        'POST https://api.test/p2p/trades/t1/chat',
      ],
    );
    assert.deepEqual(
      requests.map((r) => r.headers.Authorization),
      ['Bearer token-1', 'Bearer token-2', 'Bearer token-3', 'Bearer token-4'],
    );
    assert.equal(requests[3]!.body, JSON.stringify({ message: 'Chào bạn 👋' }));
    assert.equal(requests[3]!.headers['Content-Type'], 'application/json');
  });

  it("asks for the mediator's disputes and settles one, with its reason only when there is one", async () => {
    const { client, requests } = api(async () => ({ status: 200, body: [] }));
    await client.listDisputes();
    await client.resolveDispute('t1', 'RELEASED', 'Biên lai khớp');
    await client.resolveDispute('t1', 'CANCELLED');
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.url} ${r.body ?? ''}`),
      [
        'GET https://api.test/p2p/disputes ',
        `POST https://api.test/p2p/trades/t1/status ${JSON.stringify({ status: 'RELEASED', reason: 'Biên lai khớp' })}`,
        `POST https://api.test/p2p/trades/t1/status ${JSON.stringify({ status: 'CANCELLED' })}`,
      ],
    );
  });

  it('turns an error response into an ApiError with its code, and counts the server as reachable', async () => {
    const { client, reachability } = api(async () => ({ status: 409, body: { error: 'conflict', message: 'no' } }));
    await assert.rejects(client.changeStatus('t1', 'PAID'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.deepEqual([err.status, err.code, err.message, err.unreachable], [409, 'conflict', 'no', false]);
      return true;
    });
    assert.deepEqual(reachability, [true]);
  });

  it('reports a network failure or a 5xx as unreachable', async () => {
    const answers = [
      async () => {
        throw new TypeError('fetch failed');
      },
      async () => ({ status: 503, body: undefined }),
      async () => ({ status: 200, body: {} }),
    ];
    const { client, reachability } = api(() => answers.shift()!());
    await assert.rejects(client.getTrade('t1'), (err: unknown) => err instanceof ApiError && err.status === 0 && err.unreachable);
    await assert.rejects(client.getTrade('t1'), (err: unknown) => err instanceof ApiError && err.status === 503 && err.unreachable);
    await client.getTrade('t1');
    assert.deepEqual(reachability, [false, false, true]);
  });
});
