// The one transcript verifier: `npm run verify-transcript`, the browser (client/src) and the
// server re-checking its stored chain all run this. WebCrypto only (SHA-256, Ed25519), so it runs
// unchanged in Node 20 and in browsers; a browser without Ed25519 is told apart from a bad chain.
import { canonicalJson } from './jcs.js';
import { TRADE_STATUSES } from './trade-status.js';
import {
  CHAIN_ENTRY_FIELDS,
  chainLinkBytes,
  entryBytes,
  fromHex,
  GENESIS_HASH,
  SHA256_HEX,
  SIGNATURE_HEX,
  signedBytes,
  toHex,
  TRANSCRIPT_FORMAT,
  type ChainCheck,
  type ChainEntry,
  type Transcript,
  type TranscriptRecord,
} from './transcript.js';

/** The input is not a transcript at all (not JSON, another format, a malformed record). */
export class NotATranscriptError extends Error {}

/** This runtime's WebCrypto has no Ed25519 (older browsers): nothing was verified. */
export class Ed25519UnavailableError extends Error {}

/** Verification keys by kid. */
export type TranscriptKeyring = ReadonlyMap<string, CryptoKey>;

/** A hash a party saw pushed with an entry (chat and status events carry `chainSeq` and `hash`). */
export interface HeldHash {
  chainSeq: number;
  hash: string;
}

/** Parses transcript text; throws NotATranscriptError for anything else. */
export function parseTranscript(text: string): Transcript {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new NotATranscriptError('not JSON');
  }
  return asTranscript(value);
}

/** Checks the document's shape (not its content): a transcript to verify, or NotATranscriptError. */
export function asTranscript(value: unknown): Transcript {
  const t = value as Partial<Transcript> | null;
  if (!isObject(t)) throw new NotATranscriptError('not a JSON object');
  if (t.format !== TRANSCRIPT_FORMAT) throw new NotATranscriptError(`format is not "${TRANSCRIPT_FORMAT}"`);
  if (!isObject(t.trade) || typeof t.trade.id !== 'string' || !TRADE_STATUSES.includes(t.trade.status)) {
    throw new NotATranscriptError('no trade with an id and a status');
  }
  if (!Array.isArray(t.entries) || !Array.isArray(t.statusTimeline)) throw new NotATranscriptError('no entries or status timeline');
  t.entries.forEach((record, i) => {
    if (!isRecord(record)) throw new NotATranscriptError(`entries[${i}] is not a chain record`);
  });
  return t as Transcript;
}

function isRecord(r: unknown): r is TranscriptRecord {
  if (!isObject(r)) return false;
  const { chainSeq, entry, digest, hash, signature, kid } = r as Record<string, unknown>;
  return (
    Number.isSafeInteger(chainSeq) &&
    (entry === null || isObject(entry)) &&
    typeof digest === 'string' &&
    SHA256_HEX.test(digest) &&
    typeof hash === 'string' &&
    SHA256_HEX.test(hash) &&
    typeof signature === 'string' &&
    SIGNATURE_HEX.test(signature) &&
    typeof kid === 'string'
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Recomputes every digest and hash from the genesis value and checks every signature, and each
 * hash the caller held. Returns the first break: an entry altered (its digest), removed,
 * reordered or inserted (chainSeq out of step), a hash that does not chain, an unknown key or a
 * signature that does not match, or a chain that does not start with the trade's opening. A chain
 * cut at its end verifies; only a held hash past the cut shows it (docs/transcript.md).
 */
export async function verifyTranscript(
  transcript: Pick<Transcript, 'trade' | 'entries' | 'statusTimeline'>,
  keys: TranscriptKeyring,
  held: readonly HeldHash[] = [],
): Promise<ChainCheck> {
  const tradeId = transcript.trade.id;
  const heldBySeq = new Map(held.map((h) => [h.chainSeq, h.hash]));
  const broken = (chainSeq: number, reason: string): ChainCheck => ({ valid: false, firstBreak: { chainSeq, reason } });
  let previous = GENESIS_HASH;
  let lastStatus: ChainEntry | undefined;
  const statuses: ChainEntry[] = [];
  for (const [i, record] of transcript.entries.entries()) {
    const chainSeq = i + 1;
    if (record.chainSeq !== chainSeq) return broken(chainSeq, `expected entry ${chainSeq} here, found ${record.chainSeq} (removed, reordered or inserted)`);
    if (record.entry) {
      const problem = entryProblem(record.entry, tradeId, chainSeq);
      if (problem) return broken(chainSeq, problem);
      let bytes: Uint8Array;
      try {
        bytes = entryBytes(record.entry);
      } catch (err) {
        // JSON that JCS cannot write, such as 1e999 (Infinity): a file's content, not the verifier's fault.
        return broken(chainSeq, `the entry has no canonical form (${err instanceof Error ? err.message : String(err)})`);
      }
      if ((await sha256(bytes)) !== record.digest) return broken(chainSeq, 'the entry does not match its digest (altered)');
      if (record.entry.kind === 'status') statuses.push((lastStatus = record.entry));
    }
    if (chainSeq === 1 && !isOpening(record.entry)) return broken(1, NO_OPENING);
    const hash = await sha256(chainLinkBytes(previous, record.digest));
    if (hash !== record.hash) return broken(chainSeq, 'the hash does not follow from the previous hash and this digest');
    const key = keys.get(record.kid);
    if (!key) return broken(chainSeq, `signed with an unknown key (kid ${record.kid})`);
    if (!(await ed25519Verify(key, record.signature, signedBytes(tradeId, chainSeq, hash)))) return broken(chainSeq, 'the signature does not match');
    const heldHash = heldBySeq.get(chainSeq);
    if (heldHash !== undefined && heldHash !== hash) return broken(chainSeq, 'the hash differs from the one held for this entry');
    previous = hash;
  }
  const count = transcript.entries.length;
  if (count === 0) return broken(1, NO_OPENING);
  const beyond = [...heldBySeq.keys()].filter((seq) => seq > count).sort((a, b) => a - b)[0];
  if (beyond !== undefined) return broken(beyond, `a hash is held for entry ${beyond}, but the chain ends at ${count} (removed)`);
  const timeline = transcript.statusTimeline;
  for (let i = 0; i < Math.max(timeline.length, statuses.length); i++) {
    if (canonicalOrUndefined(timeline[i] ?? null) !== canonicalJson(statuses[i] ?? null)) {
      return broken(statuses[i]?.chainSeq ?? count, 'the status timeline is not the status entries of the chain');
    }
  }
  if (lastStatus?.kind === 'status' && lastStatus.to !== transcript.trade.status) {
    return broken(lastStatus.chainSeq, `the trade says ${transcript.trade.status}, its last status entry ${lastStatus.to}`);
  }
  return { valid: true, entries: count, head: { chainSeq: count, hash: previous } };
}

const NO_OPENING = "the chain does not start with the trade's opening (a status entry from null to PENDING)";

/** Every trade's chain starts with its opening, so an emptied transcript, or one cut at its start, is refused. */
function isOpening(entry: ChainEntry | null): boolean {
  return entry?.kind === 'status' && entry.from === null && entry.to === 'PENDING';
}

/** The JCS text of a value from the file, or undefined where JCS has none (Infinity, from 1e999). */
function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return canonicalJson(value);
  } catch {
    return undefined;
  }
}

function entryProblem(entry: ChainEntry, tradeId: string, chainSeq: number): string | undefined {
  // Own keys only: a kind such as 'toString' or '__proto__' would find an inherited value.
  if (!Object.hasOwn(CHAIN_ENTRY_FIELDS, entry.kind)) return 'the entry has an unknown kind';
  const fields: readonly string[] = CHAIN_ENTRY_FIELDS[entry.kind];
  const keys = Object.keys(entry);
  if (keys.length !== fields.length || !fields.every((f) => keys.includes(f))) return `a ${entry.kind} entry has exactly the fields ${fields.join(', ')}`;
  if (entry.tradeId !== tradeId) return 'the entry belongs to another trade';
  if (entry.chainSeq !== chainSeq) return `the entry says it is entry ${entry.chainSeq}`;
  return undefined;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
}

async function ed25519Verify(key: CryptoKey, signatureHex: string, message: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('Ed25519', key, fromHex(signatureHex) as BufferSource, message as BufferSource);
}

/** A key's id: the first 16 hex digits of SHA-256 over its SubjectPublicKeyInfo (DER). */
export async function kidOf(spki: Uint8Array): Promise<string> {
  return (await sha256(spki)).slice(0, 16);
}

/** Imports SPKI PEM public keys (one or several concatenated) by kid; Ed25519UnavailableError where WebCrypto lacks it. */
export async function importPublicKeys(pems: readonly string[]): Promise<Map<string, CryptoKey>> {
  const keys = new Map<string, CryptoKey>();
  for (const spki of pems.flatMap(pemBlocks)) {
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey('spki', spki as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    } catch (err) {
      if (err instanceof Error && err.name === 'NotSupportedError') throw new Ed25519UnavailableError('this runtime cannot verify Ed25519');
      throw err;
    }
    keys.set(await kidOf(spki), key);
  }
  return keys;
}

/** The DER bytes of each PUBLIC KEY block in a PEM text. */
export function pemBlocks(pem: string): Uint8Array[] {
  const blocks = [...pem.matchAll(/-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/g)];
  return blocks.map((m) => Uint8Array.from(atob(m[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0)));
}
