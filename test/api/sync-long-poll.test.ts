import assert from 'node:assert/strict';
import { createServer, request, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DRIVER_SETS, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually } from '../support/eventually.js';

for (const drivers of DRIVER_SETS) {
  describe(`sync long polls held per process [${drivers.name}]`, () => {
    let t: TestSystem;
    let server: Server;
    let port: number;
    before(async () => {
      t = await startTestSystem(drivers, {
        env: { SYNC_MAX_HELD: '2', SYNC_MAX_HELD_PER_USER: '1', SYNC_POLL_INTERVAL_MS: '3000' },
      });
      server = createServer(t.system.handler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    });

    /** A 30 s long poll of a user with nothing to receive (the opened feed is fetched first). */
    const hold = async (user: string): Promise<ClientRequest> => {
      const first = await t.http.get('/p2p/sync').set('Authorization', t.auth(user)).expect(200);
      const req = request({
        port,
        path: `/p2p/sync?wait=30&tradesAfter=${first.body.tradesCursor}`,
        headers: { Authorization: t.auth(user) },
      });
      req.on('error', () => {});
      req.end();
      return req;
    };

    it('answers 503 with Retry-After at once beyond the bound, and a client that leaves frees its slot', async () => {
      const sync = t.system.sync!;
      const first = await hold('held-1');
      const second = await hold('held-2');
      await eventually(() => assert.equal(sync.heldRequests, 2));
      const refused = await t.http.get('/p2p/sync?wait=30').set('Authorization', t.auth('held-3')).expect(503);
      assert.equal(refused.headers['retry-after'], '3');
      assert.equal(refused.body.error, 'unavailable');
      // A plain poll is not held, so the bound does not refuse it.
      const plain = await t.http.get('/p2p/sync').set('Authorization', t.auth('held-3')).expect(200);
      assert.equal(plain.body.pollIntervalMs, 3000, 'the advice comes from SYNC_POLL_INTERVAL_MS');

      first.destroy();
      await eventually(() => assert.equal(sync.heldRequests, 1));
      const third = await hold('held-3');
      await eventually(() => assert.equal(sync.heldRequests, 2));
      second.destroy();
      third.destroy();
      await eventually(() => assert.equal(sync.heldRequests, 0));
    });

    it("answers a user's long polls beyond their share at once as plain polls, so one user cannot hold every slot", async () => {
      const sync = t.system.sync!;
      const mine = await hold('greedy');
      await eventually(() => assert.equal(sync.heldRequests, 1));
      const over = await hold('greedy');
      const status = await Promise.race([
        new Promise<number | undefined>((resolve) => over.on('response', (res) => resolve(res.statusCode))),
        new Promise<string>((resolve) => setTimeout(() => resolve('still held'), 5_000)),
      ]);
      assert.equal(status, 200, 'answered at once as a plain poll');
      assert.equal(sync.heldRequests, 1, 'the answered poll took no slot');

      // Another user's long poll is held (answered after its wait), not refused.
      await t.http.get('/p2p/sync?wait=1').set('Authorization', t.auth('patient')).expect(200);

      // A client that leaves frees its user's share too.
      mine.destroy();
      await eventually(() => assert.equal(sync.heldRequests, 0));
      const again = await hold('greedy');
      await eventually(() => assert.equal(sync.heldRequests, 1));
      again.destroy();
      await eventually(() => assert.equal(sync.heldRequests, 0));
    });
  });
}
