import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, MIGRATIONS_DIR } from '../../src/persistence/migrator.js';
import { TranscriptChain } from '../../src/domain/transcript-chain.js';
import { TranscriptService } from '../../src/domain/transcript-service.js';
import { appendChatMessage } from '../../src/domain/chat-log.js';
import { importPublicKeys, verifyTranscript } from '../../src/contract/transcript-verify.js';
import { UNMIGRATED_DATABASES } from '../support/databases.js';
import { testKey, type TestKey } from '../support/transcripts.js';
import { silentLogger } from '../support/system.js';

const TRANSCRIPT_MIGRATION = '20261201130000_transcript_chain';
const T1 = '10000000-0000-4000-8000-000000000001';
const T2 = '10000000-0000-4000-8000-000000000002';
const T3 = '10000000-0000-4000-8000-000000000003';

for (const [name, open] of UNMIGRATED_DATABASES) {
  describe(`transcript migration: trades from before it [${name}]`, () => {
    let handle: Awaited<ReturnType<typeof open>>;
    let key: TestKey;
    let transcripts: TranscriptService;
    let chain: TranscriptChain;

    before(async () => {
      handle = await open();
      key = await testKey();
      // The history up to the transcript's migration, then trades written as the code before it wrote them.
      const before = await mkdtemp(join(tmpdir(), 'migrations-'));
      try {
        for (const entry of await readdir(MIGRATIONS_DIR, { withFileTypes: true })) {
          if (entry.isDirectory() && entry.name < TRANSCRIPT_MIGRATION)
            await cp(join(MIGRATIONS_DIR, entry.name), join(before, entry.name), { recursive: true });
        }
        await migrate(handle.db, before);
      } finally {
        await rm(before, { recursive: true, force: true });
      }
      await handle.db.inSqlTransaction((s) =>
        s.exec(`
          INSERT INTO trades (id, buyer_id, seller_id, amount, asset, fiat, status, chat_seq, created_at, updated_at) VALUES
            ('${T1}', 'alice', 'bob', 10, 'USDT', 'VND', 'PENDING', 2, '2026-11-30T10:00:00Z', '2026-11-30T10:00:00Z'),
            ('${T2}', 'alice', 'bob', 20, 'USDT', 'VND', 'PAID', 2, '2026-11-30T11:00:00Z', '2026-11-30T11:05:00Z'),
            ('${T3}', 'carol', 'dave', 30, 'USDT', 'VND', 'PENDING', 0, '2026-11-30T12:00:00Z', '2026-11-30T12:00:00Z');
          INSERT INTO trade_chat_messages (id, trade_id, seq, sender_id, message, recipient_role, is_system_message, timestamp) VALUES
            ('20000000-0000-4000-8000-000000000002', '${T1}', 2, 'bob', 'second', NULL, false, '2026-11-30T10:02:00Z'),
            ('20000000-0000-4000-8000-000000000001', '${T1}', 1, 'alice', 'first', NULL, false, '2026-11-30T10:01:00Z'),
            ('20000000-0000-4000-8000-000000000003', '${T2}', 1, 'alice', 'paid', NULL, false, '2026-11-30T11:01:00Z'),
            ('20000000-0000-4000-8000-000000000004', '${T2}', 2, NULL, 'The buyer marked the trade as paid.', 'SELLER', true, '2026-11-30T11:05:00.001Z');
        `),
      );
      await migrate(handle.db);
      chain = new TranscriptChain(key.signer);
      transcripts = new TranscriptService(handle.db, chain, [{ kid: key.signer.kid, alg: 'Ed25519', publicKeyPem: key.publicKeyPem }]);
    });
    after(() => handle.dispose());

    const entries = (tradeId: string) =>
      handle.db.query<{ chain_seq: number; kind: string; chat_id: string | null; to_status: string | null; signed: boolean }>(
        'SELECT chain_seq, kind, chat_id::text, to_status::text, hash IS NOT NULL AS signed FROM trade_chain_entries WHERE trade_id = $1 ORDER BY chain_seq',
        [tradeId],
      );

    it('chains each trade from the genesis value: the opening, the chat in seq order, then a status it moved to', async () => {
      assert.deepEqual(
        (await entries(T1)).map((e) => [e.chain_seq, e.kind, e.chat_id ?? e.to_status, e.signed]),
        [
          [1, 'status', 'PENDING', false],
          [2, 'chat', '20000000-0000-4000-8000-000000000001', false],
          [3, 'chat', '20000000-0000-4000-8000-000000000002', false],
        ],
      );
      assert.deepEqual(
        (await entries(T2)).map((e) => [e.chain_seq, e.chat_id ?? e.to_status]),
        [
          [1, 'PENDING'],
          [2, '20000000-0000-4000-8000-000000000003'],
          [3, '20000000-0000-4000-8000-000000000004'],
          [4, 'PAID'],
        ],
      );
      const [counter] = await handle.db.query<{ chain_seq: number }>('SELECT chain_seq FROM trades WHERE id = $1', [T2]);
      assert.equal(counter!.chain_seq, 4);
    });

    it('a write to a trade not yet signed signs its backlog first, in the same transaction', async () => {
      await handle.db.prisma.$transaction((tx) =>
        appendChatMessage(tx, chain, T3, { senderId: 'carol', senderRole: 'BUYER', message: 'after the upgrade', recipientRole: null }),
      );
      assert.deepEqual(
        (await entries(T3)).map((e) => [e.chain_seq, e.kind, e.signed]),
        [
          [1, 'status', true],
          [2, 'chat', true],
        ],
      );
    });

    it('start-up signs the rest, once the database is there, and every transcript verifies, the status as found included', async () => {
      // A role may start before its database: the first attempt meets an outage, and the role still starts.
      let reachable = false;
      const prisma = new Proxy(handle.db.prisma, {
        get(target, name) {
          if (name === '$queryRaw' && !reachable) return () => Promise.reject(new Error("Can't reach database server at 127.0.0.1:5432"));
          const value = Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const starting = new TranscriptService({ ...handle.db, prisma }, chain, []);
      const { retrying } = await starting.startSigningBacklogs(silentLogger, new AbortController().signal, 10);
      assert.deepEqual(
        (await entries(T1)).map((e) => e.signed),
        [false, false, false],
      );
      reachable = true;
      await retrying;
      assert.deepEqual(
        (await entries(T1)).map((e) => e.signed),
        [true, true, true],
      );
      assert.equal(await transcripts.signBacklogs(), 0, 'nothing is signed twice');
      const keys = await importPublicKeys([key.publicKeyPem]);
      for (const tradeId of [T1, T2, T3]) {
        const served = await transcripts.transcript({ userId: tradeId === T3 ? 'carol' : 'alice', isAdmin: false }, tradeId);
        assert.equal(served.check.valid, true, tradeId);
        assert.equal((await verifyTranscript(served, keys)).valid, true, tradeId);
      }
      const paid = await transcripts.transcript({ userId: 'bob', isAdmin: false }, T2);
      assert.deepEqual(paid.statusTimeline.at(-1), {
        kind: 'status',
        tradeId: T2,
        chainSeq: 4,
        from: null,
        to: 'PAID',
        actorId: null,
        actorRole: null,
        reason: 'status when the transcript began',
        timestamp: '2026-11-30T11:05:00.000Z',
      });
      assert.equal(paid.entries[2]!.entry?.kind, 'chat', "the seller's system message is the seller's to see");
    });
  });
}
