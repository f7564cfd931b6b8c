import assert from 'node:assert/strict';
import pg from 'pg';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { Database } from '../../src/persistence/database.js';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually } from '../support/eventually.js';
import { databaseWith } from '../support/counting-database.js';

type Body = Record<string, unknown>;

for (const drivers of DRIVER_SETS) {
  describe(`disputes: the mediator, resolution and the audit trail [${drivers.name}]`, () => {
    let t: TestSystem;
    /** Run once, right after the next mediator's seat check read the trade and before it answers. */
    let afterSeatRead: (() => Promise<void>) | undefined;
    before(async () => {
      t = await startTestSystem(drivers, {
        wrapDatabase: (db) =>
          seatHooked(db, async () => {
            const hook = afterSeatRead;
            afterSeatRead = undefined;
            await hook?.();
          }),
      });
    });
    after(() => t.close());

    const admin = () => t.auth('root', { admin: true });
    const as = (user: string) => (user === 'root' ? admin() : t.auth(user));
    const move = (id: string, user: string, body: Body) => t.http.post(`/p2p/trades/${id}/status`).set('Authorization', as(user)).send(body);
    const send = (id: string, user: string, body: Body) => t.http.post(`/p2p/trades/${id}/chat`).set('Authorization', as(user)).send(body);
    const chat = (id: string, user: string, query = '') => t.http.get(`/p2p/trades/${id}/chat${query}`).set('Authorization', as(user));
    const audit = (id: string) =>
      t.http
        .get(`/p2p/trades/${id}/audit`)
        .set('Authorization', admin())
        .expect(200)
        .then((r) => r.body as Body[]);
    const notificationsOf = (user: string) =>
      t.http
        .get('/p2p/notifications')
        .set('Authorization', t.auth(user))
        .expect(200)
        .then((r) => r.body as Body[]);
    /** A trade's transcript chain as stored: its entries, and the chain_seq and head hash on the trade row. */
    const chainOf = async (id: string) => {
      const [row] = await t.system.db.query<{ entries: number; chainSeq: number; chainHash: string }>(
        `SELECT (SELECT count(*)::int FROM trade_chain_entries WHERE trade_id = $1) AS entries, chain_seq AS "chainSeq", encode(chain_hash, 'hex') AS "chainHash"
         FROM trades WHERE id = $1`,
        [id],
      );
      return row!;
    };
    const count = async (sql: string, id: string) => Number((await t.system.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, [id]))[0]!.n);

    /** A trade between two fresh users, PAID (a system message for the seller only) and then DISPUTED by the buyer. */
    async function disputed(): Promise<{ id: string; buyer: string; seller: string }> {
      const buyer = `b-${Math.random().toString(36).slice(2, 8)}`;
      const seller = `s-${Math.random().toString(36).slice(2, 8)}`;
      const id = await openTrade(t, buyer, seller);
      await send(id, buyer, { message: 'I paid' }).expect(201);
      await move(id, buyer, { status: 'PAID' }).expect(200);
      await move(id, buyer, { status: 'DISPUTED' }).expect(200);
      return { id, buyer, seller };
    }

    describe('before the dispute', () => {
      it('refuses an admin reading, posting and joining, and writes no audit row', async () => {
        const id = await openTrade(t, 'alice', 'bob');
        await move(id, 'alice', { status: 'PAID' }).expect(200);
        assert.equal((await chat(id, 'root').expect(403)).body.error, 'forbidden');
        await send(id, 'root', { message: 'hello' }).expect(403);
        await t.http.post(`/p2p/trades/${id}/audit/joins`).set('Authorization', admin()).expect(403);
        assert.deepEqual(await audit(id), []);
        assert.equal(await count('trade_chat_messages WHERE trade_id = $1', id), 1, 'only the PAID system message');
      });

      it('answers 409 to a resolution of a trade that is not DISPUTED, and changes nothing', async () => {
        const id = await openTrade(t, 'alice', 'bob');
        await move(id, 'root', { status: 'CANCELLED' }).expect(409);
        await move(id, 'alice', { status: 'PAID' }).expect(200);
        const refused = await move(id, 'root', { status: 'RELEASED', reason: 'too early' }).expect(409);
        assert.equal(refused.body.error, 'conflict');
        const trade = await t.http.get(`/p2p/trades/${id}`).set('Authorization', admin()).expect(200);
        assert.equal(trade.body.status, 'PAID');
        assert.deepEqual(await audit(id), []);
      });
    });

    describe('the mediator in a disputed trade', () => {
      it("reads the whole chat, both sides' system messages included", async () => {
        const { id, buyer, seller } = await disputed();
        const all = (await chat(id, 'root').expect(200)).body as Body[];
        assert.deepEqual(
          all.map((m) => [m.seq, m.senderRole, m.recipientRole]),
          [
            [1, 'BUYER', null],
            [2, null, 'SELLER'],
            [3, null, null],
          ],
        );
        assert.equal((await chat(id, buyer).expect(200)).body.length, 2, 'the buyer still sees only what is meant for them');
        assert.equal((await chat(id, seller).expect(200)).body.length, 3);
      });

      it('posts a message stored and shown to both parties with senderRole MEDIATOR', async () => {
        const { id, buyer, seller } = await disputed();
        const posted = await send(id, 'root', { message: 'Please upload the payment receipt.' }).expect(201);
        assert.equal(posted.body.senderId, 'root');
        assert.equal(posted.body.senderRole, 'MEDIATOR');
        assert.equal(posted.body.isSystemMessage, false);
        for (const party of [buyer, seller]) {
          const seen = (await chat(id, party, '?afterSeq=3').expect(200)).body as Body[];
          assert.deepEqual(seen, [posted.body], party);
        }
      });

      it('is held to the chat rules: bad input is refused with nothing stored, a retry with the same clientMessageId stores once', async () => {
        const { id } = await disputed();
        for (const message of ['', '   ', 'x'.repeat(2001), 'a\u0000b']) {
          assert.equal((await send(id, 'root', { message }).expect(400)).body.error, 'bad_request');
        }
        const first = await send(id, 'root', { message: 'once', clientMessageId: 'm-1' }).expect(201);
        const retry = await send(id, 'root', { message: 'once', clientMessageId: 'm-1' }).expect(200);
        assert.deepEqual(retry.body, first.body);
        await send(id, 'root', { message: 'other', clientMessageId: 'm-1' }).expect(409);
        assert.equal(await count('trade_chat_messages WHERE trade_id = $1', id), 4);
        assert.deepEqual(
          (await audit(id)).map((e) => e.action),
          ['POST'],
          'bad input, a retry and a reused key write no audit row',
        );
      });

      it('leaves the refusals of a stranger as they were', async () => {
        const { id } = await disputed();
        await chat(id, 'mallory').expect(403);
        await send(id, 'mallory', { message: 'hi' }).expect(403);
        await t.http.post(`/p2p/trades/${id}/audit/joins`).set('Authorization', t.auth('mallory')).expect(403);
        await t.http.get(`/p2p/trades/${id}/audit`).set('Authorization', t.auth('mallory')).expect(403);
      });
    });

    describe('resolution', () => {
      const decisions: [string, RegExp][] = [
        ['RELEASED', /resolved the dispute for the buyer/],
        ['CANCELLED', /resolved the dispute for the seller/],
      ];
      for (const [to, decision] of decisions) {
        it(`moves DISPUTED to ${to}, telling both parties the decision and the reason in the chat and a notification`, async () => {
          const { id, buyer, seller } = await disputed();
          const resolved = await move(id, 'root', { status: to, reason: 'Bank statement checked ✅' }).expect(200);
          assert.equal(resolved.body.status, to);
          for (const party of [buyer, seller]) {
            const last = ((await chat(id, party).expect(200)).body as Body[]).at(-1)!;
            assert.equal(last.isSystemMessage, true);
            assert.equal(last.recipientRole, null);
            assert.match(String(last.message), decision);
            assert.match(String(last.message), /Reason: Bank statement checked ✅$/);
          }
          await eventually(async () => {
            for (const party of [buyer, seller]) {
              const mine = (await notificationsOf(party)).filter((n) => n.type === `TRADE_${to}`);
              assert.equal(mine.length, 1, party);
              assert.match(String(mine[0]!.message), decision);
              assert.match(String(mine[0]!.message), /Reason: Bank statement checked ✅$/);
            }
          });
        });
      }

      it('takes no reason: the decision alone', async () => {
        const { id, buyer } = await disputed();
        await move(id, 'root', { status: 'RELEASED' }).expect(200);
        const last = ((await chat(id, buyer).expect(200)).body as Body[]).at(-1)!;
        assert.doesNotMatch(String(last.message), /Reason/);
      });

      it('refuses the parties leaving DISPUTED with 403, any other change with 409, and a non-admin stranger with 403', async () => {
        const { id, buyer, seller } = await disputed();
        for (const party of [buyer, seller]) {
          for (const to of ['RELEASED', 'CANCELLED'])
            assert.equal((await move(id, party, { status: to }).expect(403)).body.error, 'forbidden', `${party} ${to}`);
          await move(id, party, { status: 'PAID' }).expect(409);
          await move(id, party, { status: 'PENDING' }).expect(409);
        }
        await move(id, 'mallory', { status: 'RELEASED' }).expect(403);
        await move(id, 'root', { status: 'PAID' }).expect(409);
        await move(id, 'root', { status: 'DISPUTED' }).expect(409);
        const trade = await t.http.get(`/p2p/trades/${id}`).set('Authorization', admin()).expect(200);
        assert.equal(trade.body.status, 'DISPUTED');
      });

      it('refuses bad reasons and a reason with a change that is not a resolution, storing nothing', async () => {
        const { id } = await disputed();
        for (const reason of ['', ' ', 'r'.repeat(501), 42])
          assert.equal((await move(id, 'root', { status: 'RELEASED', reason }).expect(400)).body.error, 'bad_request');
        const other = await openTrade(t, 'alice', 'bob');
        await move(other, 'alice', { status: 'PAID', reason: 'because' }).expect(400);
        assert.equal(await count('trade_chat_messages WHERE trade_id = $1', other), 0);
        assert.equal(await count('trade_chat_messages WHERE trade_id = $1', id), 3);
      });

      it('lets one of two concurrent resolutions through; the other is 409', async () => {
        const { id } = await disputed();
        const answers = await Promise.all([move(id, 'root', { status: 'RELEASED' }), move(id, 'root', { status: 'CANCELLED' })]);
        assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
        assert.equal((await audit(id)).filter((e) => e.action === 'RESOLVE').length, 1);
      });

      it('leaves the room readable but not writable for the mediator afterwards', async () => {
        const { id } = await disputed();
        await move(id, 'root', { status: 'CANCELLED' }).expect(200);
        assert.equal((await chat(id, 'root').expect(200)).body.length, 4);
        const refused = await send(id, 'root', { message: 'one more thing' }).expect(403);
        assert.match(refused.body.message, /resolved/);
        await t.http.post(`/p2p/trades/${id}/audit/joins`).set('Authorization', admin()).expect(204);
      });

      /** The mediator's post was refused as the one after the resolution is, and left nothing behind. */
      async function refusedLate(id: string, refused: { status: number; body: Body }): Promise<void> {
        const after = await send(id, 'root', { message: 'one more thing' }).expect(403);
        assert.deepEqual([refused.status, refused.body], [403, after.body], 'the same refusal as the check before the transaction');
        const all = (await chat(id, 'root').expect(200)).body as Body[];
        assert.deepEqual(
          all.map((m) => m.senderRole),
          ['BUYER', null, null, null],
          'no MEDIATOR message, none after the resolution',
        );
        assert.match(String(all.at(-1)!.message), /resolved the dispute/);
        assert.ok(!(await audit(id)).some((e) => e.action === 'POST'));
      }

      it("refuses a mediator's post whose check passed before the resolution committed: the transaction checks again", async () => {
        const { id } = await disputed();
        afterSeatRead = async () => {
          await move(id, 'root', { status: 'RELEASED' }).expect(200);
        };
        const refused = await send(id, 'root', { message: 'too late' });
        assert.equal(afterSeatRead, undefined, 'the resolution committed between the check and the post');
        await refusedLate(id, refused);
      });

      // The post waits for the trade row lock of a resolution that has not committed yet: another
      // session holds the resolution (an advisory lock its audit row waits for). PostgreSQL only,
      // where sessions run side by side.
      if (drivers.db === 'postgres') {
        it("refuses a mediator's post that waited for the row lock of the resolution", async () => {
          const { id } = await disputed();
          const locker = new pg.Client({ connectionString: t.database.url });
          await locker.connect();
          const waitingOn = (event: string) =>
            eventually(async () => {
              const { rows } = await locker.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1`,
                [event],
              );
              assert.equal(rows[0]!.n, 1, event);
            });
          try {
            await locker.query('SELECT pg_advisory_lock(12)');
            await t.system.db.query(
              `CREATE FUNCTION hold_resolution() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(12); RETURN NEW; END $$`,
            );
            await t.system.db.query(
              `CREATE TRIGGER hold_resolution BEFORE INSERT ON dispute_audit FOR EACH ROW WHEN (NEW.action = 'RESOLVE') EXECUTE FUNCTION hold_resolution()`,
            );
            const resolution = move(id, 'root', { status: 'RELEASED' }).then((r) => r);
            await waitingOn('advisory');
            const post = send(id, 'root', { message: 'too late' }).then((r) => r);
            await waitingOn('transactionid');
            await locker.query('SELECT pg_advisory_unlock(12)');
            assert.equal((await resolution).status, 200);
            await refusedLate(id, await post);
          } finally {
            await t.system.db.query('DROP TRIGGER IF EXISTS hold_resolution ON dispute_audit');
            await t.system.db.query('DROP FUNCTION IF EXISTS hold_resolution()');
            await locker.end();
          }
        });
      }

      // Failures injected inside the transaction with a trigger, as a failing disk or constraint would.
      const failures: [string, string][] = [
        [
          'writing the audit row',
          `CREATE TRIGGER fail_resolution BEFORE INSERT ON dispute_audit FOR EACH ROW WHEN (NEW.action = 'RESOLVE') EXECUTE FUNCTION fail_resolution()`,
        ],
        ['writing the outbox events', 'CREATE TRIGGER fail_resolution BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION fail_resolution()'],
      ];
      for (const [step, trigger] of failures) {
        it(`commits nothing when ${step} fails: no status change, system message, chain entry, audit row, event or notification`, async () => {
          const { id, buyer, seller } = await disputed();
          // The worker is done with the earlier events (open, PAID, DISPUTED) and the relay has published everything.
          await eventually(async () => {
            assert.equal((await notificationsOf(seller)).length, 3);
            assert.equal(Number((await t.system.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events'))[0]!.n), 0);
          });
          const before = {
            chat: await count('trade_chat_messages WHERE trade_id = $1', id),
            chain: await chainOf(id),
            notifications: (await notificationsOf(buyer)).length + (await notificationsOf(seller)).length,
          };
          await t.system.db.query(`CREATE FUNCTION fail_resolution() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
          await t.system.db.query(trigger);
          try {
            await move(id, 'root', { status: 'RELEASED', reason: 'x' }).expect(500);
          } finally {
            await t.system.db.query(`DROP TRIGGER fail_resolution ON ${step.includes('audit') ? 'dispute_audit' : 'outbox_events'}`);
            await t.system.db.query('DROP FUNCTION fail_resolution()');
          }
          const trade = await t.http.get(`/p2p/trades/${id}`).set('Authorization', admin()).expect(200);
          assert.equal(trade.body.status, 'DISPUTED');
          assert.equal(await count('trade_chat_messages WHERE trade_id = $1', id), before.chat);
          const seq = (await t.system.db.query<{ chat_seq: number }>('SELECT chat_seq FROM trades WHERE id = $1', [id]))[0]!.chat_seq;
          assert.equal(seq, before.chat, 'the seq taken inside the transaction is given back');
          assert.deepEqual(await chainOf(id), before.chain, "the chain's entries, chain_seq and head hash are as they were");
          assert.deepEqual(await audit(id), []);
          assert.equal(await count(`outbox_events WHERE payload->>'tradeId' = $1`, id), 0);
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal((await notificationsOf(buyer)).length + (await notificationsOf(seller)).length, before.notifications);
          // And the same resolution goes through once the failure is gone, its entries chained on from the same head.
          await move(id, 'root', { status: 'RELEASED', reason: 'x' }).expect(200);
          assert.equal((await chainOf(id)).entries, before.chain.entries + 2, 'the status change and its system message');
          const check = await t.http.get(`/p2p/trades/${id}/transcript/verify`).set('Authorization', admin()).expect(200);
          assert.deepEqual([check.body.valid, check.body.entries], [true, before.chain.entries + 2]);
        });
      }
    });

    describe('the audit trail', () => {
      it('records join, non-empty reads, posts and the resolution: who, what, when, which trade; an empty poll writes nothing', async () => {
        const { id } = await disputed();
        const started = Date.now();
        await t.http.post(`/p2p/trades/${id}/audit/joins`).set('Authorization', admin()).expect(204);
        await chat(id, 'root').expect(200);
        await chat(id, 'root', '?afterSeq=3').expect(200);
        await chat(id, 'root', `?since=${new Date(Date.now() + 60_000).toISOString()}`).expect(200);
        const posted = await send(id, 'root', { message: 'Checking.' }).expect(201);
        await chat(id, 'root', '?afterSeq=3&limit=1').expect(200);
        await move(id, 'root', { status: 'RELEASED', reason: 'paid in full' }).expect(200);

        const entries = await audit(id);
        assert.deepEqual(
          entries.map(({ id: _, at: __, ...rest }) => rest),
          [
            { tradeId: id, actorId: 'root', action: 'JOIN' },
            { tradeId: id, actorId: 'root', action: 'READ', firstSeq: 1, lastSeq: 3, count: 3 },
            { tradeId: id, actorId: 'root', action: 'POST', messageId: posted.body.id, seq: 4 },
            { tradeId: id, actorId: 'root', action: 'READ', firstSeq: 4, lastSeq: 4, count: 1 },
            { tradeId: id, actorId: 'root', action: 'RESOLVE', from: 'DISPUTED', to: 'RELEASED', reason: 'paid in full' },
          ],
        );
        for (const entry of entries) assert.ok(Date.parse(String(entry.at)) >= started - 1000, 'when');
        assert.deepEqual(
          entries.map((e) => e.id),
          [...entries.map((e) => e.id as number)].sort((a, b) => a - b),
        );
      });

      it('is for admins only, and 404 for an unknown trade', async () => {
        const { id, buyer } = await disputed();
        assert.equal((await t.http.get(`/p2p/trades/${id}/audit`).set('Authorization', t.auth(buyer)).expect(403)).body.error, 'forbidden');
        await t.http.get('/p2p/trades/00000000-0000-4000-8000-000000000000/audit').set('Authorization', admin()).expect(404);
        await t.http.get('/p2p/trades/not-a-uuid/audit').set('Authorization', admin()).expect(404);
      });
    });

    describe('the polling fallback (GET /p2p/sync) for the mediator', () => {
      const sync = (query: string) =>
        t.http
          .get(`/p2p/sync?${query}`)
          .set('Authorization', admin())
          .expect(200)
          .then((r) => r.body as { chat: Record<string, Body[]>; reads: Record<string, unknown>; errors: Record<string, unknown> });

      it('refuses an admin before the dispute, as the chat route does', async () => {
        const id = await openTrade(t, 'alice', 'bob');
        assert.deepEqual((await sync(`trades=${id}:0`)).errors, { [id]: { error: 'forbidden' } });
      });

      it("answers the whole chat, audits pages that are not empty, and wakes a long poll with a party's message", async () => {
        const { id, buyer } = await disputed();
        const first = await sync(`trades=${id}:0`);
        assert.deepEqual(
          first.chat[id]!.map((m) => [m.seq, m.recipientRole]),
          [
            [1, null],
            [2, 'SELLER'],
            [3, null],
          ],
        );
        assert.equal(first.reads[id], undefined, 'a mediator has no read state');
        assert.deepEqual((await sync(`trades=${id}:3`)).chat[id], [], 'an empty poll');

        const held = sync(`trades=${id}:3&wait=10`);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await send(id, buyer, { message: 'still waiting' }).expect(201);
        assert.deepEqual(
          (await held).chat[id]!.map((m) => [m.seq, m.senderRole]),
          [[4, 'BUYER']],
        );
        // The same page again, now from the memory of recent messages.
        assert.equal((await sync(`trades=${id}:3`)).chat[id]!.length, 1);
        assert.deepEqual(
          (await audit(id)).map((e) => [e.action, e.firstSeq, e.lastSeq]),
          [
            ['READ', 1, 3],
            ['READ', 4, 4],
            ['READ', 4, 4],
          ],
        );
      });
    });

    describe('GET /p2p/disputes', () => {
      it('lists the disputed trades and the recently resolved ones, to admins only', async () => {
        const open = await disputed();
        const resolved = await disputed();
        await move(resolved.id, 'root', { status: 'CANCELLED' }).expect(200);
        const calm = await openTrade(t, 'alice', 'bob');
        const list = (await t.http.get('/p2p/disputes').set('Authorization', admin()).expect(200)).body as Body[];
        const byId = new Map(list.map((d) => [d.id, d]));
        assert.equal(byId.get(open.id)?.status, 'DISPUTED');
        assert.equal(byId.get(resolved.id)?.status, 'CANCELLED');
        assert.ok(!byId.has(calm));
        assert.match(String(byId.get(open.id)?.disputedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        const statuses = list.map((d) => d.status);
        const firstResolved = statuses.findIndex((s) => s !== 'DISPUTED');
        assert.ok(firstResolved === -1 || statuses.slice(firstResolved).every((s) => s !== 'DISPUTED'), 'open ones first');
        await t.http.get('/p2p/disputes').set('Authorization', t.auth(open.buyer)).expect(403);
        await t.http.get('/p2p/disputes?limit=0').set('Authorization', admin()).expect(400);
        assert.equal((await t.http.get('/p2p/disputes?limit=1').set('Authorization', admin()).expect(200)).body.length, 1);
      });
    });
  });
}

/**
 * The same database, with `hook` run after each read of a trade's status and disputed_at (the
 * mediator's seat check) and before it is answered, so what the check saw can go stale on cue.
 */
function seatHooked(db: Database, hook: () => Promise<void>): Database {
  const prisma = db.prisma.$extends({
    query: {
      trade: {
        async findUnique({ args, query }) {
          const row = await query(args);
          if (args.select?.status && args.select.disputedAt) await hook();
          return row;
        },
      },
    },
  }) as unknown as PrismaClient;
  return databaseWith(db, prisma);
}
