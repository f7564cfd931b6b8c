// Transcripts made in-process with a chosen key, for the verifier's tests (no server needed).
import { generateKeyPairSync, sign } from 'node:crypto';
import { sealEntry } from '../../src/domain/transcript-chain.js';
import { kidOf, pemBlocks } from '../../src/contract/transcript-verify.js';
import { GENESIS_HASH, TRANSCRIPT_FORMAT, type ChainEntry, type StatusChainEntry, type Transcript } from '../../src/contract/transcript.js';
import type { TranscriptSigner } from '../../src/config/transcript-keys.js';

export interface TestKey {
  signer: TranscriptSigner;
  privateKeyPem: string;
  publicKeyPem: string;
}

export async function testKey(): Promise<TestKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const kid = await kidOf(pemBlocks(publicKeyPem)[0]!);
  return {
    signer: { kid, sign: (message) => sign(null, message, privateKey) },
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem,
  };
}

export const TRADE_ID = '7d1c5e0a-4b9e-4c3a-9f11-2a6d8e4b5c70';
const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, second)).toISOString();

/** A small trade's chain: opened, three messages (one for the seller only), then PAID. */
export function sampleEntries(): ChainEntry[] {
  const base = { tradeId: TRADE_ID };
  const chat = (chainSeq: number, seq: number, extra: Partial<ChainEntry>): ChainEntry =>
    ({
      ...base,
      kind: 'chat',
      chainSeq,
      id: `00000000-0000-4000-8000-00000000000${seq}`,
      seq,
      senderId: 'alice',
      senderRole: 'BUYER',
      recipientRole: null,
      isSystemMessage: false,
      message: `message ${seq}`,
      timestamp: at(chainSeq),
      ...extra,
    }) as ChainEntry;
  return [
    { ...base, kind: 'status', chainSeq: 1, from: null, to: 'PENDING', actorId: 'alice', actorRole: 'BUYER', reason: null, timestamp: at(1) },
    chat(2, 1, { message: 'hello, ünïcode ✓ "quoted"\n' }),
    chat(3, 2, { senderId: 'bob', senderRole: 'SELLER' }),
    { ...base, kind: 'status', chainSeq: 4, from: 'PENDING', to: 'PAID', actorId: 'alice', actorRole: 'BUYER', reason: null, timestamp: at(4) },
    chat(5, 3, { senderId: null, senderRole: null, isSystemMessage: true, recipientRole: 'SELLER', message: 'The buyer has paid.' }),
  ];
}

/** The mediator's view of a chain sealed with `key`, as the server would serve it. */
export function sealedTranscript(key: TestKey, entries: ChainEntry[] = sampleEntries()): Transcript {
  let previous = GENESIS_HASH;
  const records = entries.map((entry) => {
    const sealed = sealEntry(key.signer, entry, previous);
    previous = sealed.hash;
    return { chainSeq: entry.chainSeq, entry, ...sealed, kid: key.signer.kid };
  });
  const statuses = entries.filter((e): e is StatusChainEntry => e.kind === 'status');
  return {
    format: TRANSCRIPT_FORMAT,
    trade: {
      id: TRADE_ID,
      buyerId: 'alice',
      sellerId: 'bob',
      amount: '100',
      asset: 'USDT',
      fiat: 'VND',
      status: statuses.at(-1)!.to,
      createdAt: at(1),
      updatedAt: at(4),
    },
    view: 'MEDIATOR',
    statusTimeline: statuses.map((status) => ({ ...status })),
    entries: records,
    check: { valid: true, entries: records.length, head: { chainSeq: records.length, hash: previous } },
  };
}
