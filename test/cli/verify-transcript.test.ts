import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoTranscriptKeyFile } from '../../src/config/transcript-keys.js';
import type { Transcript } from '../../src/contract/transcript.js';
import { sealedTranscript, testKey, type TestKey } from '../support/transcripts.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/transcript-cli.ts'];

describe('npm run verify-transcript', function () {
  this.timeout(60_000);
  let dir: string;
  let key: TestKey;
  let transcript: Transcript;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-transcript-'));
    key = await testKey();
    transcript = sealedTranscript(key);
    await writeFile(join(dir, 'public.pem'), key.publicKeyPem);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const clean = { ...process.env };
    for (const name of ['TRANSCRIPT_SIGNING_KEY', 'TRANSCRIPT_RETIRED_PUBLIC_KEYS', 'DATA_DIR', 'NODE_ENV']) delete clean[name];
    return { ...clean, DATA_DIR: join(dir, 'no-data'), ...extra };
  }

  /** Runs the CLI on `content` (a transcript, or any text) and returns its exit code and output. */
  async function verify(content: Transcript | string, args: string[] = ['--public-key', join(dir, 'public.pem')], extraEnv: Record<string, string> = {}) {
    const file = join(dir, `t-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return run(process.execPath, [...CLI, file, ...args], { env: env(extraEnv) }).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  }

  const tampered = (change: (t: Transcript) => void) => {
    const copy = structuredClone(transcript);
    change(copy);
    return copy;
  };

  it('an intact transcript: exit 0, "valid", and a note that only a held hash shows a cut end', async () => {
    const { code, out } = await verify(transcript);
    assert.equal(code, 0, out);
    assert.match(out, /^valid: 5 entries/);
    assert.match(out, /\nnote: entries cut off at the end of the chain show only against a hash a party held \(--hash CHAIN_SEQ:HASH\)\n$/);
    const held = await verify(transcript, ['--public-key', join(dir, 'public.pem'), '--hash', `5:${transcript.entries[4]!.hash}`]);
    assert.equal(held.code, 0, held.out);
    assert.doesNotMatch(held.out, /note:/);
  });

  const kinds: [string, (t: Transcript) => void, number][] = [
    ['altered', (t) => ((t.entries[1]!.entry as { message: string }).message = 'forged'), 2],
    ['removed', (t) => t.entries.splice(2, 1), 3],
    ['reordered', (t) => ([t.entries[3], t.entries[4]] = [t.entries[4]!, t.entries[3]!]), 4],
    ['inserted', (t) => t.entries.splice(1, 0, structuredClone(t.entries[0]!)), 2],
    ['signed otherwise', (t) => (t.entries[0]!.signature = t.entries[1]!.signature), 1],
    ['of an inherited kind', (t) => ((t.entries[1]!.entry as { kind: string }).kind = 'constructor'), 2],
    ['removed with every other (emptied)', (t) => ((t.entries = []), (t.statusTimeline = [])), 1],
  ];
  for (const [kind, change, bad] of kinds) {
    it(`an entry ${kind}: exit 1, naming entry ${bad}`, async () => {
      const { code, out } = await verify(tampered(change));
      assert.equal(code, 1, out);
      assert.match(out, new RegExp(`^invalid: entry ${bad}: `));
    });
  }

  it('a number JCS has no form for (1e999): exit 1, naming the entry', async () => {
    const { code, out } = await verify(JSON.stringify(transcript).replace('"seq":2,', '"seq":1e999,'));
    assert.equal(code, 1, out);
    assert.equal(out, 'invalid: entry 3: the entry has no canonical form (JCS has no form for Infinity)\n');
  });

  it('a hash held from before that the transcript no longer has: exit 1', async () => {
    const { code, out } = await verify(transcript, ['--public-key', join(dir, 'public.pem'), '--hash', `3:${'a'.repeat(64)}`]);
    assert.equal(code, 1, out);
    assert.match(out, /entry 3: the hash differs from the one held/);
  });

  const notTranscripts: [string, () => string][] = [
    ['not JSON', () => 'hello'],
    ['JSON in another format', () => '{"format":"something-else","entries":[]}'],
    ['a transcript with a malformed record', () => JSON.stringify({ ...transcript, entries: [{ chainSeq: 1 }] })],
  ];
  for (const [what, text] of notTranscripts) {
    it(`${what}: exit 2, saying it is not a transcript`, async () => {
      const { code, out } = await verify(text());
      assert.equal(code, 2, out);
      assert.match(out, /is not a transcript: /);
    });
  }

  it('without --public-key, the key of the configured data folder, as npm start would have it', async () => {
    const dataDir = join(dir, 'data');
    await rm(dataDir, { recursive: true, force: true });
    const missing = await verify(transcript, [], { DATA_DIR: dataDir });
    assert.equal(missing.code, 2, missing.out);
    assert.match(missing.out, /no transcript key in .*transcript-signing-key\.pem/);
    await mkdir(dataDir, { recursive: true });
    await writeFile(demoTranscriptKeyFile(dataDir), key.privateKeyPem);
    const found = await verify(transcript, [], { DATA_DIR: dataDir });
    assert.equal(found.code, 0, found.out);
    // TRANSCRIPT_SIGNING_KEY wins over the data folder's, and a retired key still verifies.
    const other = await testKey();
    const rotated = await verify(transcript, [], { DATA_DIR: dataDir, TRANSCRIPT_SIGNING_KEY: other.privateKeyPem });
    assert.equal(rotated.code, 1, rotated.out);
    assert.match(rotated.out, /unknown key/);
    const retired = await verify(transcript, [], { TRANSCRIPT_SIGNING_KEY: other.privateKeyPem, TRANSCRIPT_RETIRED_PUBLIC_KEYS: key.publicKeyPem });
    assert.equal(retired.code, 0, retired.out);
  });

  it('bad usage: exit 2 with the usage', async () => {
    const { code, out } = await verify(transcript, ['--nope']);
    assert.equal(code, 2);
    assert.match(out, /usage: npm run verify-transcript/);
  });
});
