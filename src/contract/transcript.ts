// The tamper-evident transcript of a trade (docs/transcript.md): the chain entries, their byte
// layouts, declared once for the server that writes and serves them and for the verifier that the
// CLI and the browser share. Types only from the zod shapes, so the browser bundle stays free of zod.
import type { z } from 'zod';
import { canonicalJson } from './jcs.js';
import type {
  chainCheckSchema,
  chatChainEntrySchema,
  statusChainEntrySchema,
  transcriptPublicKeySchema,
  transcriptRecordSchema,
  transcriptSchema,
} from './transcript-shapes.js';
import { TRANSCRIPT_FORMAT } from './transcript-format.js';

export { SHA256_HEX, SIGNATURE_HEX, TRANSCRIPT_FORMAT } from './transcript-format.js';

export type ChatChainEntry = z.infer<typeof chatChainEntrySchema>;
export type StatusChainEntry = z.infer<typeof statusChainEntrySchema>;
export type ChainEntry = ChatChainEntry | StatusChainEntry;

/** The fields each kind of entry has, exactly: the canonical entry is JCS over these. */
export const CHAIN_ENTRY_FIELDS: { readonly [K in ChainEntry['kind']]: readonly (keyof Extract<ChainEntry, { kind: K }>)[] } = {
  chat: ['kind', 'tradeId', 'chainSeq', 'id', 'seq', 'senderId', 'senderRole', 'recipientRole', 'isSystemMessage', 'message', 'timestamp'],
  status: ['kind', 'tradeId', 'chainSeq', 'from', 'to', 'actorId', 'actorRole', 'reason', 'timestamp'],
};

/** The chain entry of a chat message: exactly the chat fields, whatever else the message carries. */
export function chatChainEntry(m: Omit<ChatChainEntry, 'kind' | 'chainSeq'>, chainSeq: number): ChatChainEntry {
  const { tradeId, id, seq, senderId, senderRole, recipientRole, isSystemMessage, message, timestamp } = m;
  return { kind: 'chat', tradeId, chainSeq, id, seq, senderId, senderRole, recipientRole, isSystemMessage, message, timestamp };
}

/** The "previous hash" of a trade's first entry: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

export type TranscriptRecord = z.infer<typeof transcriptRecordSchema>;
/** The result of checking a chain: where it first breaks, if anywhere. */
export type ChainCheck = z.infer<typeof chainCheckSchema>;
/** `GET /p2p/trades/{id}/transcript`, and the file `npm run verify-transcript` checks. */
export type Transcript = z.infer<typeof transcriptSchema>;
/** Whose view a transcript is: a side's (BUYER, SELLER) or the mediator's. */
export type TranscriptView = Transcript['view'];
/** A public key that verifies transcript signatures (`GET /p2p/transcript-keys`). */
export type TranscriptPublicKey = z.infer<typeof transcriptPublicKeySchema>;

const utf8 = new TextEncoder();

/** digest = SHA-256 over these bytes: the UTF-8 of the entry's JCS form. */
export function entryBytes(entry: ChainEntry): Uint8Array {
  return utf8.encode(canonicalJson(entry));
}

/** hash = SHA-256 over these 64 bytes: the previous hash's 32 raw bytes, then the digest's. */
export function chainLinkBytes(previousHash: string, digest: string): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set(fromHex(previousHash), 0);
  bytes.set(fromHex(digest), 32);
  return bytes;
}

/** What the server signs with Ed25519: the UTF-8 of the JCS form of {chainSeq, format, hash, tradeId}. */
export function signedBytes(tradeId: string, chainSeq: number, hash: string): Uint8Array {
  return utf8.encode(canonicalJson({ format: TRANSCRIPT_FORMAT, tradeId, chainSeq, hash }));
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
