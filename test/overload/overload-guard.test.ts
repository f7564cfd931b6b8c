import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
