import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually } from '../support/eventually.js';

/** The system's app on a real port: shedding is about requests on the wire. */
async function serve(t: TestSystem): Promise<{ base: string; port: number; close: () => Promise<void> }> {
  const server: Server = createServer(t.system.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A chat send whose body arrives only when `finish` is called: until then it is an API request in
 * flight, as a slow client's is.
 */
function slowSend(port: number, tradeId: string, auth: string, message: string) {
  const body = JSON.stringify({ message });
  const socket = net.connect(port, '127.0.0.1');
  socket.write(
    `POST /p2p/trades/${tradeId}/chat HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
  );
  let response = '';
  socket.on('data', (chunk) => (response += chunk));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return {
    async finish(): Promise<string> {
      socket.write(body.slice(5));
      await closed;
      return response.split('\r\n')[0]!;
    },
  };
}

const get = (base: string, path: string, auth?: string, signal?: AbortSignal) =>
  fetch(`${base}${path}`, { headers: auth ? { authorization: auth } : {}, signal });

/** A sample from /metrics, by name and one label it must carry (every sample has `role`). */
async function metric(base: string, name: string, label = ''): Promise<number> {
  const text = await (await get(base, '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
const unavailableCount = (base: string, cause: string) => metric(base, 'http_unavailable_responses_total', `cause="${cause}"`);

async function assertShed(res: Response): Promise<void> {
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '2');
  assert.equal(((await res.json()) as { error: string }).error, 'unavailable');
}

/** What shedding never turns away: a chat send, and the ops routes. */
async function assertWritesAndOpsRoutesPass(base: string, tradeId: string, auth: string): Promise<void> {
  const send = await fetch(`${base}/p2p/trades/${tradeId}/chat`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'a write is never shed' }),
  });
  assert.equal(send.status, 201);
  assert.equal((await get(base, '/healthz')).status, 200);
  // An overloaded instance stays in the load balancer: shedding is its way of coping.
  assert.equal((await get(base, '/readyz')).status, 200);
  assert.equal((await get(base, '/metrics')).status, 200);
}

for (const drivers of DRIVER_SETS) {
  describe(`overload shedding [${drivers.name}]`, function () {
    this.timeout(60_000);

    describe('past the in-flight limit', () => {
      let t: TestSystem;
      let http: Awaited<ReturnType<typeof serve>>;
      before(async () => {
        t = await startTestSystem(drivers, { env: { OVERLOAD_MAX_IN_FLIGHT: '2', RETRY_AFTER_SECONDS: '2' } });
        http = await serve(t);
      });
      after(async () => {
        await http.close();
        await t.close();
      });

      it('answers reads 503 with Retry-After at once, lets writes and the ops routes through, and recovers', async () => {
        const tradeId = await openTrade(t, 'alice', 'bob');
        const auth = t.auth('bob');
        const slow = [slowSend(http.port, tradeId, auth, 'slow one'), slowSend(http.port, tradeId, auth, 'slow two')];
        await eventually(() => assert.equal(t.system.overload!.inFlight, 2));
        assert.equal(await metric(http.base, 'http_requests_in_flight'), 2, 'the ops routes are not counted');

        await assertShed(await get(http.base, `/p2p/trades/${tradeId}/chat?afterSeq=0`, auth));
        await assertShed(await get(http.base, '/api/p2p/notifications', auth));
        await assertShed(await get(http.base, `/p2p/trades/${tradeId}`, auth));
        await assertWritesAndOpsRoutesPass(http.base, tradeId, auth);
        assert.equal(await unavailableCount(http.base, 'overload_in_flight'), 3);

        assert.deepEqual(await Promise.all(slow.map((s) => s.finish())), ['HTTP/1.1 201 Created', 'HTTP/1.1 201 Created']);
        await eventually(() => assert.equal(t.system.overload!.inFlight, 0));
        const after = await get(http.base, `/p2p/trades/${tradeId}/chat?afterSeq=0`, auth);
        assert.equal(after.status, 200);
        assert.equal(((await after.json()) as unknown[]).length, 3);
      });

      it('does not count held long polls, so they do not shed the reads of others', async () => {
        const tradeId = await openTrade(t, 'alice', 'bob');
        const controller = new AbortController();
        const held = ['carol', 'dave', 'erin'].map((user) => get(http.base, '/p2p/sync?wait=20', t.auth(user), controller.signal).catch(() => undefined));
        await eventually(() => assert.equal(t.system.sync!.heldRequests, 3));
        assert.equal(t.system.overload!.inFlight, 0);
        assert.equal((await get(http.base, `/p2p/trades/${tradeId}/chat`, t.auth('bob'))).status, 200);
        controller.abort();
        await Promise.all(held);
        await eventually(() => assert.equal(t.system.sync!.heldRequests, 0));
        assert.equal(t.system.overload!.inFlight, 0);
      });
    });

    describe('while the event loop lags', () => {
      let t: TestSystem;
      let http: Awaited<ReturnType<typeof serve>>;
      let hog: NodeJS.Timeout | undefined;
      before(async () => {
        t = await startTestSystem(drivers, { env: { OVERLOAD_EVENT_LOOP_LAG_MS: '30', RETRY_AFTER_SECONDS: '2' } });
        http = await serve(t);
      });
      after(async () => {
        clearInterval(hog);
        await http.close();
        await t.close();
      });

      it('answers reads 503 with Retry-After, lets writes and the ops routes through, and recovers', async () => {
        const tradeId = await openTrade(t, 'alice', 'bob');
        const auth = t.auth('alice');
        // Busy 100 ms of every 110: every sampling window sees a late event loop.
        hog = setInterval(() => {
          const until = Date.now() + 100;
          while (Date.now() < until);
        }, 10);
        await eventually(async () => assertShed(await get(http.base, `/p2p/trades/${tradeId}/chat`, auth)), 10_000, 100);
        await assertWritesAndOpsRoutesPass(http.base, tradeId, auth);
        assert.ok((await unavailableCount(http.base, 'overload_event_loop')) >= 1);
        assert.ok((await metric(http.base, 'event_loop_lag_sustained_seconds')) > 0.03);

        clearInterval(hog);
        await eventually(async () => assert.equal((await get(http.base, `/p2p/trades/${tradeId}/chat`, auth)).status, 200), 10_000, 100);
      });
    });
  });
}
