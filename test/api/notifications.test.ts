import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually, sleep } from '../support/eventually.js';
import { tradeStatusEvent } from '../../src/events/events.js';

for (const drivers of DRIVER_SETS) {
  describe(`notifications and the notification worker [${drivers.name}]`, () => {
    let t: TestSystem;
    before(async () => {
      t = await startTestSystem(drivers);
    });
    after(() => t.close());

    const notificationsOf = (user: string, query = '') =>
      t.http
        .get(`/p2p/notifications${query}`)
        .set('Authorization', t.auth(user))
        .expect(200)
        .then((r) => r.body as Record<string, unknown>[]);
    const setStatus = (id: string, user: string, status: string) =>
      t.http.post(`/p2p/trades/${id}/status`).set('Authorization', t.auth(user)).send({ status }).expect(200);

    it('notifies the other party of each status change, never the actor', async () => {
      const [buyer, seller] = [`b-${randomUUID().slice(0, 6)}`, `s-${randomUUID().slice(0, 6)}`];
      const id = await openTrade(t, buyer, seller);
      await eventually(async () =>
        assert.deepEqual(
          (await notificationsOf(seller)).map((n) => n.type),
          ['TRADE_PENDING'],
        ),
      );
      await setStatus(id, buyer, 'PAID');
      await eventually(async () =>
        assert.deepEqual(
          (await notificationsOf(seller)).map((n) => n.type),
          ['TRADE_PENDING', 'TRADE_PAID'],
        ),
      );
      await setStatus(id, seller, 'RELEASED');
      await eventually(async () =>
        assert.deepEqual(
          (await notificationsOf(buyer)).map((n) => n.type),
          ['TRADE_RELEASED'],
        ),
      );
      const [n] = await notificationsOf(buyer);
      assert.deepEqual(Object.keys(n!).sort(), ['createdAt', 'id', 'message', 'read', 'readAt', 'seq', 'type', 'userId']);
      assert.equal(n!.read, false);
      assert.match(String(n!.message), new RegExp(id.slice(0, 8)));
    });

    it('stores one notification when the same event is delivered twice', async () => {
      const [buyer, seller] = [`b-${randomUUID().slice(0, 6)}`, `s-${randomUUID().slice(0, 6)}`];
      const event = tradeStatusEvent({
        eventId: randomUUID(),
        tradeId: randomUUID(),
        buyerId: buyer,
        sellerId: seller,
        actorId: buyer,
        previousStatus: 'PENDING',
        status: 'PAID',
        timestamp: new Date().toISOString(),
      });
      await t.system.bus.publish(event);
      await t.system.bus.publish(event);
      await eventually(async () => assert.equal((await notificationsOf(seller)).length, 1));
      // Give the second delivery every chance to land before judging it.
      await sleep(300);
      assert.equal((await notificationsOf(seller)).length, 1);
      assert.equal(await t.system.db.prisma.notification.count({ where: { sourceEventId: event.eventId } }), 1);
    });

    it('answers a second notify for one source event with nothing, and a seq clash with an error', async () => {
      const user = `u-${randomUUID().slice(0, 6)}`;
      const sourceEventId = randomUUID();
      assert.equal((await t.system.notifications.notifyUser(user, { type: 'T', message: 'm', sourceEventId })).length, 1);
      assert.deepEqual(await t.system.notifications.notifyUser(user, { type: 'T', message: 'm', sourceEventId }), []);
      // A counter behind the user's rows (restored from a backup, say) is a fault to report, not
      // a duplicate event to drop: dropping it would drop every later notification too.
      await t.system.db.prisma.notificationCounter.update({ where: { userId: user }, data: { lastSeq: 0 } });
      await assert.rejects(t.system.notifications.notifyUser(user, { type: 'T', message: 'other', sourceEventId: randomUUID() }));
      await t.system.db.prisma.notificationCounter.update({ where: { userId: user }, data: { lastSeq: 1 } });
    });

    it('lists by since and unread, and marks read idempotently for the owner only', async () => {
      const user = `u-${randomUUID().slice(0, 6)}`;
      const [first] = await t.system.notifications.notifyUser(user, { type: 'TEST', message: 'first' });
      await sleep(5);
      const [second] = await t.system.notifications.notifyUser(user, { type: 'TEST', message: 'second' });
      assert.deepEqual(
        (await notificationsOf(user)).map((n) => n.message),
        ['first', 'second'],
      );
      assert.deepEqual(
        (await notificationsOf(user, `?since=${first!.createdAt}`)).map((n) => n.message),
        ['second'],
      );

      await t.http.post(`/p2p/notifications/${first!.id}/read`).set('Authorization', t.auth('someone-else')).expect(404);
      const read = await t.http.post(`/p2p/notifications/${first!.id}/read`).set('Authorization', t.auth(user)).expect(200);
      assert.equal(read.body.read, true);
      assert.ok(read.body.readAt);
      const again = await t.http.post(`/p2p/notifications/${first!.id}/read`).set('Authorization', t.auth(user)).expect(200);
      assert.equal(again.body.readAt, read.body.readAt);
      assert.deepEqual(
        (await notificationsOf(user, '?unread=true')).map((n) => n.id),
        [second!.id],
      );
      await t.http.post('/p2p/notifications/not-a-uuid/read').set('Authorization', t.auth(user)).expect(404);
      await t.http.get('/p2p/notifications?since=never').set('Authorization', t.auth(user)).expect(400);
    });

    it("numbers each user's notifications 1, 2, 3 … with no gap, however many are made at once", async () => {
      const [a, b] = [`a-${randomUUID().slice(0, 6)}`, `b-${randomUUID().slice(0, 6)}`];
      // Half name the users in the other order: lock order must not depend on it (no deadlock).
      await Promise.all(Array.from({ length: 40 }, (_, i) => t.system.notifications.notifyUsers(i % 2 ? [a, b] : [b, a], { type: 'TEST', message: `m${i}` })));
      for (const user of [a, b]) {
        assert.deepEqual(
          (await notificationsOf(user, '?afterSeq=0')).map((n) => n.seq),
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
      }
    });

    it('polled by afterSeq while notifications are being made, misses none and repeats none', async () => {
      const user = `u-${randomUUID().slice(0, 6)}`;
      const polled: Record<string, unknown>[] = [];
      let making = true;
      const poller = (async () => {
        for (let cursor = 0; ; ) {
          const done = !making;
          const page = await notificationsOf(user, `?afterSeq=${cursor}`);
          polled.push(...page);
          cursor = Number(page.at(-1)?.seq ?? cursor);
          if (done) return;
        }
      })();
      const made = (
        await Promise.all(Array.from({ length: 60 }, (_, i) => t.system.notifications.notifyUser(user, { type: 'TEST', message: `m${i}` })))
      ).flat();
      making = false;
      await poller;
      assert.deepEqual(
        polled.map((n) => n.seq),
        Array.from({ length: 60 }, (_, i) => i + 1),
      );
      assert.deepEqual(polled.map((n) => n.id).sort(), made.map((n) => n.id).sort());
    });

    it('refuses a bad afterSeq, or afterSeq with since', async () => {
      const user = `u-${randomUUID().slice(0, 6)}`;
      for (const query of ['afterSeq=-1', 'afterSeq=1.5', 'afterSeq=x', 'afterSeq=2147483648', `afterSeq=1&since=${new Date().toISOString()}`]) {
        const res = await t.http.get(`/p2p/notifications?${query}`).set('Authorization', t.auth(user)).expect(400);
        assert.equal(res.body.error, 'bad_request', query);
      }
    });

    it('publishes a NotificationEvent for every stored notification', async () => {
      const user = `u-${randomUUID().slice(0, 6)}`;
      const seen: unknown[] = [];
      const consumer = await t.system.bus.consume(
        { queue: `test.notifications.${user}`, delivery: 'per-instance', routingKeys: ['notification.new'] },
        async (e) => void (e.type === 'NotificationEvent' && e.payload.userId === user && seen.push(e.payload)),
      );
      try {
        const [n] = await t.system.notifications.notifyUser(user, { type: 'TEST', message: 'hello' });
        await eventually(() => assert.equal(seen.length, 1));
        assert.deepEqual(Object.keys(seen[0] as object).sort(), ['eventId', 'message', 'notificationId', 'seq', 'timestamp', 'type', 'userId']);
        assert.equal((seen[0] as { notificationId: string }).notificationId, n!.id);
        assert.equal((seen[0] as { seq: number }).seq, n!.seq);
      } finally {
        await consumer.cancel();
      }
    });
  });
}
