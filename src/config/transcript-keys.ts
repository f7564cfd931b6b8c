import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kidOf, pemBlocks } from '../contract/transcript-verify.js';
import type { TranscriptPublicKey } from '../contract/transcript.js';

/** What signs new chain entries, and every public key that verifies old ones (docs/transcript.md). */
export interface TranscriptKeys {
  /** Undefined on roles that write nothing (gateway, notification) when no key is configured. */
  signer: TranscriptSigner | undefined;
  /** The signing key's, then the retired ones, by kid. */
  publicKeys: TranscriptPublicKey[];
}

export interface TranscriptSigner {
  kid: string;
  sign(message: Uint8Array): Uint8Array;
}

export const demoTranscriptKeyFile = (dataDir: string) => join(dataDir, 'transcript-signing-key.pem');

/** The Ed25519 private key in a PEM text; throws a one-line reason for anything else. */
export function parseSigningKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`is a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}

/** Demo mode only: an Ed25519 key generated once into the data folder, as the JWT secret is. */
export function loadOrCreateDemoTranscriptKey(dataDir: string): string {
  const existing = readDemoTranscriptKey(dataDir);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(demoTranscriptKeyFile(dataDir), pem, { mode: 0o600, flag: 'wx' });
  return pem;
}

/** The key `npm start` generated in this data folder, if it ever ran there. */
export function readDemoTranscriptKey(dataDir: string): string | undefined {
  try {
    return readFileSync(demoTranscriptKeyFile(dataDir), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * TRANSCRIPT_SIGNING_KEY when set; else, in demo mode, the data folder's (generated on first
 * start); else none. Retired public keys (TRANSCRIPT_RETIRED_PUBLIC_KEYS) only verify.
 */
export async function resolveTranscriptKeys(config: TranscriptKeyConfig): Promise<TranscriptKeys> {
  const pem = config.transcript.signingKeyPem ?? (config.production ? undefined : loadOrCreateDemoTranscriptKey(config.dataDir));
  return transcriptKeysOf(pem, config.transcript.retiredPublicKeysPem);
}

/** The keys as `npm start` would have them, never creating one: for tools beside a server. */
export function existingTranscriptKeys(config: TranscriptKeyConfig): Promise<TranscriptKeys> {
  return transcriptKeysOf(config.transcript.signingKeyPem ?? readDemoTranscriptKey(config.dataDir), config.transcript.retiredPublicKeysPem);
}

type TranscriptKeyConfig = {
  production: boolean;
  dataDir: string;
  transcript: { signingKeyPem: string | undefined; retiredPublicKeysPem: string | undefined };
};

async function transcriptKeysOf(signingKeyPem: string | undefined, retiredPublicKeysPem: string | undefined): Promise<TranscriptKeys> {
  const publicKeys: TranscriptPublicKey[] = [];
  let signer: TranscriptSigner | undefined;
  if (signingKeyPem !== undefined) {
    const privateKey = parseSigningKey(signingKeyPem);
    const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const kid = await kidOf(pemBlocks(publicKeyPem)[0]!);
    signer = { kid, sign: (message) => sign(null, message, privateKey) };
    publicKeys.push({ kid, alg: 'Ed25519', publicKeyPem });
  }
  for (const spki of pemBlocks(retiredPublicKeysPem ?? '')) {
    const kid = await kidOf(spki);
    if (publicKeys.some((k) => k.kid === kid)) continue;
    const publicKeyPem = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    publicKeys.push({ kid, alg: 'Ed25519', publicKeyPem });
  }
  return { signer, publicKeys };
}
