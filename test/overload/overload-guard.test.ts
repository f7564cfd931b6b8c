import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { OverloadGuard } from '../../src/http/overload.js';
import { apiRequestPipeline } from '../../src/http/request-pipeline.js';
import { Unavailable } from '../../src/http/unavailable.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { eventually } from '../support/eventually.js';
import { silentLogger } from '../support/system.js';

/**
 * A lean path as the sync route runs it, outside Express: the pipeline's steps, then a handler.
 * `/held` is a long poll waiting for news (held), `/busy` a request doing work; both answer when
 * `release` is called.
 */
describe('overload guard on a lean path: held long polls are not in flight', () => {
  let guard: OverloadGuard;
  let server: Server;
  let base: string;
  const waiting: (() => void)[] = [];
  const release = () => waiting.splice(0).forEach((answer) => answer());

  before(async () => {
    guard = new OverloadGuard({ maxInFlight: 2, eventLoopLagMs: 60_000 }, new Unavailable(1, createMetrics('api').unavailableResponses));
    const steps = apiRequestPipeline({
      accessLog: { logger: silentLogger, production: true, slowRequestMs: 60_000 },
      corsOrigins: ['*'],
      gatewayUrls: [],
      shedReads: guard.step,
    });
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const run = (i: number): void => {
        if (i < steps.length) return steps[i]!(req, res, () => run(i + 1));
        if (req.url === '/held') guard.hold(req);
        waiting.push(() => res.end('{}'));
      };
      run(0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    release();
    guard.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('does not count held requests, counts busy ones, and sheds a read past the limit', async () => {
    const held = Array.from({ length: 5 }, () => fetch(`${base}/held`));
    await eventually(() => assert.equal(waiting.length, 5));
    assert.equal(guard.inFlight, 0);

    const busy = [fetch(`${base}/busy`), fetch(`${base}/busy`)];
    await eventually(() => assert.equal(guard.inFlight, 2));
    const shed = await fetch(`${base}/busy`);
    assert.equal(shed.status, 503);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.match(shed.headers.get('access-control-expose-headers') ?? '', /Retry-After/);

    release();
    assert.ok((await Promise.all([...held, ...busy])).every((r) => r.status === 200));
    await eventually(() => assert.equal(guard.inFlight, 0));
  });

  it('stops counting a request whose client went away', async () => {
    const controller = new AbortController();
    const aborted = fetch(`${base}/busy`, { signal: controller.signal }).catch(() => undefined);
    await eventually(() => assert.equal(guard.inFlight, 1));
    controller.abort();
    await aborted;
    await eventually(() => assert.equal(guard.inFlight, 0));
    release();
  });
});

/** GET on the given agent's connection as `user`; resolves with the status once the answer has ended. */
function get(agent: Agent, url: string, user: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: { authorization: `Bearer ${user}` } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode!));
    })
      .once('error', reject)
      .end();
  });
}

describe('overload guard: a client that ignores Retry-After', () => {
  let guard: OverloadGuard;
  let server: Server;
  let base: string;
  const waiting: (() => void)[] = [];

  before(async () => {
    // One request in flight sheds every read; Retry-After is 1 s.
    guard = new OverloadGuard({ maxInFlight: 1, eventLoopLagMs: 60_000 }, new Unavailable(1, createMetrics('api').unavailableResponses));
    server = createServer((req, res) => guard.step(req, res, () => waiting.push(() => res.end('{}'))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    waiting.splice(0).forEach((answer) => answer());
    guard.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is refused once per Retry-After, while other clients are refused at once', async () => {
    const busy = fetch(`${base}/busy`);
    await eventually(() => assert.equal(guard.inFlight, 1));

    // A closed loop on one keep-alive connection, asking again the moment it is refused: without
    // the hold, hundreds of refusals in 1.5 s, each a turn of the event loop the writes need.
    const pushy = new Agent({ keepAlive: true, maxSockets: 1 });
    const end = performance.now() + 1500;
    let refusals = 0;
    while (performance.now() < end) {
      assert.equal(await get(pushy, `${base}/poll`, 'pushy'), 503);
      refusals++;
    }
    assert.ok(refusals <= 3, `${refusals} refusals in 1.5 s with Retry-After: 1`);

    // Its next try is held for a second; another user's read is not, even on the same
    // connection (a proxy shares its connections between users).
    const order: string[] = [];
    const held = get(pushy, `${base}/poll`, 'pushy').then((status) => order.push(`held ${status}`));
    const polite = new Agent({ keepAlive: true });
    await get(polite, `${base}/poll`, 'polite').then((status) => order.push(`other ${status}`));
    await held;
    assert.deepEqual(order, ['other 503', 'held 503']);
    assert.equal(await get(pushy, `${base}/poll`, 'polite-too'), 503);

    pushy.destroy();
    polite.destroy();
    waiting.splice(0).forEach((answer) => answer());
    assert.equal((await busy).status, 200);
  });
});
