import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DRIVER_SETS, openTrade, startTestSystem, type TestSystem } from '../support/system.js';
import { eventually } from '../support/eventually.js';
import { testKey } from '../support/transcripts.js';
import { importPublicKeys, verifyTranscript, type HeldHash, type TranscriptKeyring } from '../../src/contract/transcript-verify.js';
import { chainLinkBytes, entryBytes, GENESIS_HASH, type Transcript } from '../../src/contract/transcript.js';
import { TranscriptChain } from '../../src/domain/transcript-chain.js';
import { TranscriptService } from '../../src/domain/transcript-service.js';
import { ChatService } from '../../src/domain/chat-service.js';
import type { BusEvent } from '../../src/events/events.js';
import type { Database } from '../../src/persistence/database.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { databaseWith } from '../support/counting-database.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The same database, running `after[n]` right after its `n`th statement or Prisma operation. */
function interleaved(db: Database, after: Record<number, () => Promise<unknown>>): { db: Database; ran: () => number } {
  let count = 0;
  const prisma = db.prisma.$extends({
    query: {
      async $allOperations({ args, query }) {
        const result = await query(args);
        await after[++count]?.();
        return result;
      },
    },
  }) as unknown as PrismaClient;
  return { db: databaseWith(db, prisma), ran: () => count };
}

for (const drivers of DRIVER_SETS) {
  describe(`transcript [${drivers.name}]`, function () {
    // A loaded machine: starting the system (PGlite, migrations) alone can take most of the default 20 s.
    this.timeout(60_000);
    let t: TestSystem;
    let keys: TranscriptKeyring;
    before(async () => {
      t = await startTestSystem(drivers);
      const res = await t.http.get('/p2p/transcript-keys').expect(200);
      keys = await importPublicKeys(res.body.keys.map((k: { publicKeyPem: string }) => k.publicKeyPem));
    });
    after(() => t.close());

    const transcript = (tradeId: string, user: string, opts: { admin?: boolean } = {}) =>
      t.http.get(`/p2p/trades/${tradeId}/transcript`).set('Authorization', t.auth(user, opts));
    const send = (tradeId: string, user: string, message: string) =>
      t.http.post(`/p2p/trades/${tradeId}/chat`).set('Authorization', t.auth(user)).send({ message }).expect(201);
    const status = (tradeId: string, user: string, to: string) =>
      t.http.post(`/p2p/trades/${tradeId}/status`).set('Authorization', t.auth(user)).send({ status: to }).expect(200);

    /** A trade with chat and a status change; returns its id and the chain links pushed on the bus. */
    async function tradeWithHistory(): Promise<{ id: string; pushed: HeldHash[] }> {
      const events: BusEvent[] = [];
      const consumer = await t.system.bus.consume(
        { queue: `test.transcript.${Math.random().toString(36).slice(2)}`, delivery: 'per-instance', routingKeys: ['#'] },
        async (e) => void events.push(e),
      );
      try {
        const id = await openTrade(t, 'alice', 'bob');
        await send(id, 'alice', 'Chào bạn, I have sent 2.500.000 ₫');
        await send(id, 'bob', 'checking');
        await status(id, 'alice', 'PAID');
        await send(id, 'bob', 'received, thanks');
        await status(id, 'bob', 'RELEASED');
        const links = () =>
          events
            .filter((e) => (e.type === 'ChatMessageEvent' || e.type === 'TradeStatusEvent') && e.payload.tradeId === id)
            .map((e) => e.payload as { chainSeq?: number; hash?: string })
            .map((p) => ({ chainSeq: p.chainSeq!, hash: p.hash! }))
            .sort((a, b) => a.chainSeq - b.chainSeq);
        // The opening, two messages, PAID and its system message (the seller's), a message, RELEASED
        // and its system message (the buyer's).
        await eventually(() =>
          assert.deepEqual(
            links().map((l) => l.chainSeq),
            [1, 2, 3, 4, 5, 6, 7, 8],
          ),
        );
        return { id, pushed: links() };
      } finally {
        await consumer.cancel();
      }
    }

    it('round trip: every change is an entry, the events carry its hash, and each side verifies its view', async () => {
      const { id, pushed } = await tradeWithHistory();
      const buyer = (await transcript(id, 'alice').expect(200)).body as Transcript;
      assert.equal(buyer.view, 'BUYER');
      assert.deepEqual(buyer.check, { valid: true, entries: 8, head: pushed[7] });
      assert.deepEqual(
        buyer.entries.map((r) => r.chainSeq),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      assert.deepEqual(
        buyer.statusTimeline.map((s) => [s.from, s.to, s.actorId, s.actorRole]),
        [
          [null, 'PENDING', 'alice', 'BUYER'],
          ['PENDING', 'PAID', 'alice', 'BUYER'],
          ['PAID', 'RELEASED', 'bob', 'SELLER'],
        ],
      );
      assert.deepEqual(
        buyer.entries.map((r) => r.hash),
        pushed.map((p) => p.hash),
      );
      // The chat entry is the message as the API shows it.
      const [message] = (await t.http.get(`/p2p/trades/${id}/chat`).set('Authorization', t.auth('alice')).expect(200)).body;
      const { kind, chainSeq, ...asShown } = buyer.entries[1]!.entry as Record<string, unknown>;
      assert.deepEqual([kind, chainSeq], ['chat', 2]);
      for (const [field, value] of Object.entries(asShown)) assert.deepEqual(value, message[field], field);

      // PAID's system message is the seller's, RELEASED's the buyer's: each side has the other's as a digest only.
      const seller = (await transcript(id, 'bob').expect(200)).body as Transcript;
      const withheld = (v: Transcript) => v.entries.filter((r) => r.entry === null).map((r) => r.chainSeq);
      assert.deepEqual(withheld(buyer), [5]);
      assert.deepEqual(withheld(seller), [8]);
      assert.deepEqual(
        seller.entries.map((r) => r.digest),
        buyer.entries.map((r) => r.digest),
      );
      for (const view of [buyer, seller]) assert.equal((await verifyTranscript(view, keys, [pushed[7]!])).valid, true, view.view);
    });

    it('an UPDATE on a chat row is detected, and recomputing the chain without the key does not hide it', async () => {
      const { id, pushed } = await tradeWithHistory();
      const held = pushed.at(-1)!;
      const { db } = t.system;
      await db.prisma.$executeRaw`UPDATE trade_chat_messages SET message = 'I never got the money' WHERE trade_id = ${id}::uuid AND seq = 2`;
      const edited = await t.http
        .get(`/p2p/trades/${id}/transcript/verify`)
        .set('Authorization', t.auth('root', { admin: true }))
        .expect(200);
      assert.deepEqual(edited.body, { valid: false, firstBreak: { chainSeq: 3, reason: 'the entry does not match its digest (altered)' } });

      // The forger recomputes every digest and hash from the edit on, as the documented layout says.
      const served = (await transcript(id, 'alice').expect(200)).body as Transcript;
      let previous = GENESIS_HASH;
      for (const record of served.entries) {
        const digest = record.entry ? sha256(entryBytes(record.entry)) : record.digest;
        const hash = sha256(chainLinkBytes(previous, digest));
        await db.prisma.$executeRaw`
          UPDATE trade_chain_entries SET digest = decode(${digest}, 'hex'), hash = decode(${hash}, 'hex')
          WHERE trade_id = ${id}::uuid AND chain_seq = ${record.chainSeq}`;
        previous = hash;
      }
      const forged = (await transcript(id, 'alice').expect(200)).body as Transcript;
      assert.deepEqual(forged.check, { valid: false, firstBreak: { chainSeq: 3, reason: 'the signature does not match' } });
      assert.notEqual(forged.entries[held.chainSeq - 1]!.hash, held.hash, 'the hash the party held no longer matches');
      const check = await verifyTranscript(forged, keys, [held]);
      assert.deepEqual(check, { valid: false, firstBreak: { chainSeq: 3, reason: 'the signature does not match' } });
    });

    it('a stranger gets 403; an admin gets every entry only once the trade was disputed; the check route is for admins', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', 'hi');
      await transcript(id, 'mallory').expect(403);
      await transcript(id, 'root', { admin: true }).expect(403);
      await t.http.get(`/p2p/trades/${id}/transcript/verify`).set('Authorization', t.auth('alice')).expect(403);
      await transcript('00000000-0000-4000-8000-000000000000', 'alice').expect(404);
      await status(id, 'alice', 'PAID');
      await status(id, 'bob', 'DISPUTED');
      const mediator = (await transcript(id, 'root', { admin: true }).expect(200)).body as Transcript;
      assert.equal(mediator.view, 'MEDIATOR');
      assert.ok(mediator.entries.every((r) => r.entry !== null));
      assert.equal(mediator.check.valid, true);
      assert.equal((await verifyTranscript(mediator, keys)).valid, true);
      const checked = await t.http
        .get(`/p2p/trades/${id.toUpperCase()}/transcript/verify`)
        .set('Authorization', t.auth('root', { admin: true }))
        .expect(200);
      assert.deepEqual(checked.body, mediator.check);
      // The mediator's resolution is an entry too, with its actor role and reason.
      await t.http
        .post(`/p2p/trades/${id}/status`)
        .set('Authorization', t.auth('root', { admin: true }))
        .send({ status: 'RELEASED', reason: 'Payment confirmed.' })
        .expect(200);
      const resolved = (await transcript(id, 'alice').expect(200)).body as Transcript;
      assert.deepEqual(
        resolved.statusTimeline.map((s) => [s.from, s.to, s.actorId, s.actorRole, s.reason]),
        [
          [null, 'PENDING', 'alice', 'BUYER', null],
          ['PENDING', 'PAID', 'alice', 'BUYER', null],
          ['PAID', 'DISPUTED', 'bob', 'SELLER', null],
          ['DISPUTED', 'RELEASED', 'root', 'MEDIATOR', 'Payment confirmed.'],
        ],
      );
      assert.equal((await verifyTranscript(resolved, keys)).valid, true);
      assert.equal(
        ((await transcript(id, 'root', { admin: true }).expect(200)).body as Transcript).view,
        'MEDIATOR',
        'the mediator still reads it after resolution',
      );
    });

    it("a mediator's transcript is written to the audit trail as a read of its chat messages, as a chat page is; a party's is not", async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', 'hi');
      await status(id, 'alice', 'PAID');
      await status(id, 'bob', 'DISPUTED');
      const audit = async () =>
        (
          await t.http
            .get(`/p2p/trades/${id}/audit`)
            .set('Authorization', t.auth('root', { admin: true }))
            .expect(200)
        ).body as Record<string, unknown>[];
      await transcript(id, 'alice').expect(200);
      assert.deepEqual(await audit(), []);
      const served = (await transcript(id, 'root', { admin: true }).expect(200)).body as Transcript;
      const seqs = served.entries.flatMap((r) => (r.entry?.kind === 'chat' ? [r.entry.seq] : []));
      assert.ok(seqs.length >= 3, 'the message and the system messages');
      assert.deepEqual(
        (await audit()).map(({ action, actorId, firstSeq, lastSeq, count }) => ({ action, actorId, firstSeq, lastSeq, count })),
        [{ action: 'READ', actorId: 'root', firstSeq: seqs[0], lastSeq: seqs.at(-1), count: seqs.length }],
      );
    });

    it("a stranger's 403 comes before any work: a backlog the migration left unsigned stays unsigned", async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', 'hi');
      const { db } = t.system;
      await db.prisma.$executeRaw`UPDATE trade_chain_entries SET digest = NULL, hash = NULL, signature = NULL, kid = NULL WHERE trade_id = ${id}::uuid`;
      const unsigned = async () =>
        Number((await db.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM trade_chain_entries WHERE trade_id = ${id}::uuid AND hash IS NULL`)[0]!.n);
      await transcript(id, 'mallory').expect(403);
      await transcript(id, 'root', { admin: true }).expect(403);
      assert.equal(await unsigned(), 2);
      const served = (await transcript(id, 'alice').expect(200)).body as Transcript;
      assert.equal(served.check.valid, true, JSON.stringify(served.check));
      assert.equal(await unsigned(), 0);
    });

    it('a status change committed between its reads does not serve a trade and a chain of two moments', async () => {
      const buyer = { userId: 'alice', isAdmin: false };
      const seller = { userId: 'bob', isAdmin: false };
      // The service reads the trade, then the chain, then again whichever is older while they disagree.
      const cases: [string, (id: string) => Record<number, () => Promise<unknown>>][] = [
        ['paid after the trade was read', (id) => ({ 1: () => t.system.trades.changeStatus(buyer, id, 'PAID') })],
        ['paid after the chain was read', (id) => ({ 2: () => t.system.trades.changeStatus(buyer, id, 'PAID') })],
        [
          'paid after the trade was read, disputed after the chain was read',
          (id) => ({ 1: () => t.system.trades.changeStatus(buyer, id, 'PAID'), 2: () => t.system.trades.changeStatus(seller, id, 'DISPUTED') }),
        ],
      ];
      for (const [what, changes] of cases) {
        const id = await openTrade(t, 'alice', 'bob');
        const after = changes(id);
        const hooked = interleaved(t.system.db, after);
        const served = await new TranscriptService(hooked.db, t.system.chain, t.system.transcripts.publicKeys).transcript(seller, id);
        assert.ok(hooked.ran() >= Math.max(...Object.keys(after).map(Number)), what);
        assert.equal(served.check.valid, true, `${what}: ${JSON.stringify(served.check)}`);
        assert.equal(served.trade.status, served.statusTimeline.at(-1)!.to, what);
        assert.equal((await verifyTranscript(served, keys)).valid, true, what);
      }
    });

    it('a key import that failed once is tried again on the next request', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      const [good] = t.system.transcripts.publicKeys;
      // Valid base64 but no SubjectPublicKeyInfo: WebCrypto refuses it, as it might fail for a moment.
      const publicKeys = [{ ...good!, publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }];
      const service = new TranscriptService(t.system.db, t.system.chain, publicKeys);
      await assert.rejects(service.transcript({ userId: 'alice', isAdmin: false }, id));
      publicKeys[0] = good!;
      assert.equal((await service.transcript({ userId: 'alice', isAdmin: false }, id)).check.valid, true);
    });

    it('after a key rotation, entries signed by the retired key still verify', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await send(id, 'alice', 'before the rotation');
      const next = await testKey();
      const rotated = new TranscriptChain(next.signer);
      const chat = new ChatService(t.system.db, t.system.trades, t.system.outbox, rotated);
      await chat.send({ userId: 'bob', isAdmin: false }, id, 'after the rotation');
      const publicKeys = [{ kid: next.signer.kid, alg: 'Ed25519' as const, publicKeyPem: next.publicKeyPem }, ...t.system.transcripts.publicKeys];
      const served = await new TranscriptService(t.system.db, rotated, publicKeys).transcript({ userId: 'alice', isAdmin: false }, id);
      assert.deepEqual(
        served.entries.map((r) => r.kid),
        [t.system.transcripts.publicKeys[0]!.kid, t.system.transcripts.publicKeys[0]!.kid, next.signer.kid],
      );
      assert.equal(served.check.valid, true);
      assert.equal((await verifyTranscript(served, await importPublicKeys(publicKeys.map((k) => k.publicKeyPem)))).valid, true);
      const onlyNew = await verifyTranscript(served, await importPublicKeys([next.publicKeyPem]));
      assert.equal(onlyNew.valid ? 0 : onlyNew.firstBreak.chainSeq, 1);
    });

    it('concurrent sends and a status change on one trade make one unbroken chain', async () => {
      const id = await openTrade(t, 'alice', 'bob');
      await Promise.all([...Array.from({ length: 40 }, (_, i) => send(id, i % 2 ? 'alice' : 'bob', `concurrent ${i}`)), status(id, 'alice', 'PAID')]);
      const served = (await transcript(id, 'bob').expect(200)).body as Transcript;
      assert.equal(served.check.valid, true, JSON.stringify(served.check));
      assert.equal(served.entries.length, 43);
      assert.equal((await verifyTranscript(served, keys)).valid, true);
    });

    it('serves the public keys without a token', async () => {
      const res = await t.http.get('/p2p/transcript-keys').expect(200);
      assert.deepEqual(Object.keys(res.body.keys[0]).sort(), ['alg', 'kid', 'publicKeyPem']);
      assert.match(res.body.keys[0].kid, /^[0-9a-f]{16}$/);
    });
  });
}
