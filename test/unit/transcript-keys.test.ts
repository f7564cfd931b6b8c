import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoTranscriptKeyFile, resolveTranscriptKeys } from '../../src/config/transcript-keys.js';
import { testKey } from '../support/transcripts.js';

describe('transcript keys (src/config/transcript-keys.ts)', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'transcript-keys-'))));
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const config = (production: boolean, signingKeyPem?: string, retiredPublicKeysPem?: string) => ({
    production,
    dataDir,
    transcript: { signingKeyPem, retiredPublicKeysPem },
  });

  it('demo mode generates a key once into the data folder, readable by its owner only, and keeps it', async () => {
    const first = await resolveTranscriptKeys(config(false));
    assert.equal((await stat(demoTranscriptKeyFile(dataDir))).mode & 0o777, 0o600);
    assert.match(await readFile(demoTranscriptKeyFile(dataDir), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    const again = await resolveTranscriptKeys(config(false));
    assert.equal(again.signer!.kid, first.signer!.kid);
    assert.deepEqual(again.publicKeys, first.publicKeys);
  });

  it('production never generates one: without TRANSCRIPT_SIGNING_KEY a role has no signer', async () => {
    const keys = await resolveTranscriptKeys(config(true));
    assert.equal(keys.signer, undefined);
    assert.deepEqual(keys.publicKeys, []);
    await assert.rejects(stat(demoTranscriptKeyFile(dataDir)));
  });

  it('lists the signing key first, then the retired ones, each once', async () => {
    const [current, retired] = [await testKey(), await testKey()];
    const keys = await resolveTranscriptKeys(config(true, current.privateKeyPem, retired.publicKeyPem + current.publicKeyPem));
    assert.equal(keys.signer!.kid, current.signer.kid);
    assert.deepEqual(
      keys.publicKeys.map((k) => k.kid),
      [current.signer.kid, retired.signer.kid],
    );
  });
});
