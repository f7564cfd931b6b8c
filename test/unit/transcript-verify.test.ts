import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/contract/jcs.js';
import {
  asTranscript,
  importPublicKeys,
  NotATranscriptError,
  parseTranscript,
  verifyTranscript,
  type TranscriptKeyring,
} from '../../src/contract/transcript-verify.js';
import { CHAIN_ENTRY_FIELDS, type Transcript } from '../../src/contract/transcript.js';
import { chatChainEntrySchema, statusChainEntrySchema } from '../../src/contract/transcript-shapes.js';
import { sampleEntries, sealedTranscript, testKey, type TestKey } from '../support/transcripts.js';

const copy = (t: Transcript): Transcript => structuredClone(t);

describe('transcript verifier (src/contract/transcript-verify.ts, shared by the CLI, the server and the browser)', () => {
  let key: TestKey;
  let keys: TranscriptKeyring;
  let transcript: Transcript;

  before(async () => {
    key = await testKey();
    keys = await importPublicKeys([key.publicKeyPem]);
    transcript = sealedTranscript(key);
  });

  const firstBreak = async (t: Transcript, held: { chainSeq: number; hash: string }[] = []) => {
    const check = await verifyTranscript(t, keys, held);
    return check.valid ? undefined : check.firstBreak;
  };

  it('an intact chain is valid, and its head is the last hash', async () => {
    const check = await verifyTranscript(transcript, keys);
    assert.deepEqual(check, { valid: true, entries: 5, head: { chainSeq: 5, hash: transcript.entries[4]!.hash } });
  });

  it('survives a round trip through JSON text, pretty-printed', async () => {
    assert.equal((await verifyTranscript(parseTranscript(JSON.stringify(transcript, null, 2)), keys)).valid, true);
  });

  it('an altered entry breaks at that entry (its digest)', async () => {
    const t = copy(transcript);
    (t.entries[2]!.entry as { message: string }).message = 'I never said that';
    assert.deepEqual(await firstBreak(t), { chainSeq: 3, reason: 'the entry does not match its digest (altered)' });
  });

  it('an altered entry with its digest, hashes and all later hashes recomputed still fails: the signatures', async () => {
    const forger = await testKey();
    const forged = sealedTranscript(
      forger,
      transcript.entries.map((r) => (r.chainSeq === 3 ? { ...r.entry!, message: 'forged' } : r.entry!)),
    );
    // The forger cannot sign with the server's key, so keeps its kid: the first signature over a new hash fails.
    for (const record of forged.entries) record.kid = key.signer.kid;
    assert.deepEqual(await firstBreak(forged), { chainSeq: 1, reason: 'the signature does not match' });
    // Copying the untouched entries' signatures gets the forger only as far as the edit.
    forged.entries.slice(0, 2).forEach((record, i) => (record.signature = transcript.entries[i]!.signature));
    assert.deepEqual(await firstBreak(forged), { chainSeq: 3, reason: 'the signature does not match' });
  });

  it('a removed entry breaks where it was', async () => {
    const t = copy(transcript);
    t.entries.splice(1, 1);
    assert.equal((await firstBreak(t))?.chainSeq, 2);
    assert.match((await firstBreak(t))!.reason, /removed, reordered or inserted/);
  });

  it('reordered entries break at the first one out of place', async () => {
    const t = copy(transcript);
    [t.entries[1], t.entries[2]] = [t.entries[2]!, t.entries[1]!];
    assert.equal((await firstBreak(t))?.chainSeq, 2);
  });

  it('an inserted entry breaks where it was put, even renumbered', async () => {
    const t = copy(transcript);
    t.entries.splice(2, 0, structuredClone(t.entries[1]!));
    assert.equal((await firstBreak(t))?.chainSeq, 3);
    t.entries.forEach((record, i) => {
      record.chainSeq = i + 1;
      if (record.entry) record.entry.chainSeq = i + 1;
    });
    assert.deepEqual(await firstBreak(t), { chainSeq: 3, reason: 'the entry does not match its digest (altered)' });
  });

  it('a signature that does not match, or a key it does not know, breaks at that entry', async () => {
    const t = copy(transcript);
    t.entries[3]!.signature = t.entries[2]!.signature;
    assert.deepEqual(await firstBreak(t), { chainSeq: 4, reason: 'the signature does not match' });
    const other = await importPublicKeys([(await testKey()).publicKeyPem]);
    const check = await verifyTranscript(transcript, other);
    assert.equal(check.valid, false);
    assert.match(check.valid ? '' : check.firstBreak.reason, /unknown key/);
  });

  it("a side's view, with the other side's entry as its digest only, still verifies", async () => {
    const t = copy(transcript);
    t.entries[4]!.entry = null;
    t.view = 'BUYER';
    assert.equal((await verifyTranscript(t, keys)).valid, true);
  });

  it('a hash a party held must match, and one held past the end shows a cut chain', async () => {
    const held = { chainSeq: 3, hash: transcript.entries[2]!.hash };
    assert.equal(await firstBreak(transcript, [held]), undefined);
    assert.deepEqual(await firstBreak(transcript, [{ chainSeq: 3, hash: 'f'.repeat(64) }]), {
      chainSeq: 3,
      reason: 'the hash differs from the one held for this entry',
    });
    const cut = copy(transcript);
    cut.entries.splice(3);
    cut.statusTimeline.splice(1);
    cut.trade.status = 'PENDING';
    assert.equal(await firstBreak(cut), undefined, 'a chain cut at its end verifies on its own');
    assert.equal((await firstBreak(cut, [{ chainSeq: 5, hash: transcript.entries[4]!.hash }]))?.chainSeq, 5);
  });

  it('the status timeline and the trade status must agree with the signed entries', async () => {
    const t = copy(transcript);
    t.statusTimeline[1]!.actorId = 'mallory';
    assert.equal((await firstBreak(t))?.reason, 'the status timeline is not the status entries of the chain');
    const u = copy(transcript);
    u.trade.status = 'RELEASED';
    assert.equal((await firstBreak(u))?.chainSeq, 4);
  });

  it('an entry with a field added or dropped, or of another trade, is refused', async () => {
    const t = copy(transcript);
    (t.entries[1]!.entry as Record<string, unknown>).extra = 1;
    assert.match((await firstBreak(t))!.reason, /exactly the fields/);
    const u = copy(transcript);
    u.entries[1]!.entry!.tradeId = '00000000-0000-4000-8000-000000000000';
    assert.equal((await firstBreak(u))?.reason, 'the entry belongs to another trade');
  });

  it('an entry whose kind is an inherited name is of an unknown kind, not a crash', async () => {
    for (const kind of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const t = copy(transcript);
      (t.entries[1]!.entry as { kind: string }).kind = kind;
      assert.deepEqual(await firstBreak(t), { chainSeq: 2, reason: 'the entry has an unknown kind' }, kind);
    }
  });

  it('a number JCS has no form for (1e999 is Infinity) breaks at its entry, not the verifier', async () => {
    const text = JSON.stringify(transcript).replace('"seq":2,', '"seq":1e999,');
    assert.notEqual(text, JSON.stringify(transcript));
    assert.deepEqual(await firstBreak(parseTranscript(text)), { chainSeq: 3, reason: 'the entry has no canonical form (JCS has no form for Infinity)' });
    const t = copy(transcript);
    (t.statusTimeline[1] as { reason: unknown }).reason = Number.POSITIVE_INFINITY;
    assert.equal((await firstBreak(t))?.reason, 'the status timeline is not the status entries of the chain');
  });

  it("a chain that does not start with the trade's opening (null to PENDING) is refused, an emptied one too", async () => {
    const emptied = copy(transcript);
    emptied.entries = [];
    emptied.statusTimeline = [];
    assert.deepEqual(await firstBreak(emptied), {
      chainSeq: 1,
      reason: "the chain does not start with the trade's opening (a status entry from null to PENDING)",
    });
    const renumbered = sampleEntries()
      .slice(1)
      .map((entry, i) => ({ ...entry, chainSeq: i + 1 }));
    assert.deepEqual(await firstBreak(sealedTranscript(key, renumbered)), {
      chainSeq: 1,
      reason: "the chain does not start with the trade's opening (a status entry from null to PENDING)",
    });
  });

  it('anything that is not a transcript is told apart', () => {
    for (const text of [
      'not json',
      '[]',
      '{"format":"other"}',
      JSON.stringify({ ...transcript, entries: 'x' }),
      JSON.stringify({ ...transcript, trade: null }),
    ]) {
      assert.throws(() => parseTranscript(text), NotATranscriptError, text);
    }
    const t = copy(transcript);
    (t.entries[0] as { digest: string }).digest = 'xyz';
    assert.throws(() => asTranscript(t), /entries\[0\] is not a chain record/);
  });

  it('the fixed field lists are the zod shapes of the entries', () => {
    assert.deepEqual([...CHAIN_ENTRY_FIELDS.chat].sort(), Object.keys(chatChainEntrySchema.shape).sort());
    assert.deepEqual([...CHAIN_ENTRY_FIELDS.status].sort(), Object.keys(statusChainEntrySchema.shape).sort());
  });
});

describe('JCS (RFC 8785), src/contract/jcs.ts', () => {
  it('sorts keys by UTF-16 code units, drops whitespace and writes numbers as ECMAScript does', () => {
    assert.equal(
      canonicalJson({ b: [1, 2.5, -0, 1e21], a: { d: null, c: true }, '€': 'x', '\r': 1 }),
      '{"\\r":1,"a":{"c":true,"d":null},"b":[1,2.5,0,1e+21],"€":"x"}',
    );
  });

  it('matches the RFC 8785 section 3.2.2 string example', () => {
    assert.equal(canonicalJson('€$\u000f\nA\'B"\\\\"/'), '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
  });

  it('refuses what JSON cannot say', () => {
    assert.throws(() => canonicalJson(Number.NaN));
    assert.throws(() => canonicalJson(undefined));
  });
});
