import { createHash } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import type { TranscriptSigner } from '../config/transcript-keys.js';
import { chainLinkBytes, entryBytes, GENESIS_HASH, signedBytes, toHex, type ChainEntry, type StatusChainEntry } from '../contract/transcript.js';
import { readChain } from './transcript-rows.js';

/** Where an entry landed in its trade's chain: events carry both, so a party can hold the hash. */
export interface ChainLink {
  chainSeq: number;
  hash: string;
}

/**
 * Writes the transcript chain (docs/transcript.md): each entry's digest, hash and signature are
 * made inside the transaction that writes the message or status change, after its chain_seq was
 * taken under the trade row lock, so entries of one trade are sealed one at a time in chain order.
 */
export class TranscriptChain {
  constructor(private readonly signer: TranscriptSigner | undefined) {}

  /** A status change (or the opening): takes the next chain_seq of the trade and seals the entry. */
  async appendStatus(tx: Prisma.TransactionClient, change: Omit<StatusChainEntry, 'kind' | 'chainSeq'>): Promise<ChainLink> {
    const [slot] = await tx.$queryRaw<{ chainSeq: number; previous: string | null }[]>`
      UPDATE trades SET chain_seq = chain_seq + 1 WHERE id = ${change.tradeId}::uuid
      RETURNING chain_seq AS "chainSeq", encode(chain_hash, 'hex') AS previous`;
    if (!slot) throw new Error(`trade ${change.tradeId} vanished inside its own transaction`);
    const entry: StatusChainEntry = { kind: 'status', chainSeq: slot.chainSeq, ...change };
    return this.seal(tx, entry, slot.previous);
  }

  /**
   * Seals an entry whose chain_seq the caller took under the trade row lock, and records its hash
   * on the trade row for the next one. `previous` is the trade row's `chain_hash` as that lock
   * returned it: null when there is no entry yet or the last is unsigned (a trade chained by the
   * migration and not yet signed: its backlog is signed first, in this transaction).
   */
  async seal(tx: Prisma.TransactionClient, entry: ChainEntry, previous: string | null): Promise<ChainLink> {
    const signer = this.requireSigner();
    const prior = previous ?? (entry.chainSeq === 1 ? GENESIS_HASH : await this.signBacklog(tx, entry.tradeId));
    const sealed = sealEntry(signer, entry, prior);
    const status = entry.kind === 'status' ? entry : undefined;
    await tx.$executeRaw`
      WITH entry AS (
        INSERT INTO trade_chain_entries (trade_id, chain_seq, kind, chat_id, from_status, to_status, actor_id, actor_role, reason, timestamp, digest, hash, signature, kid)
        VALUES (${entry.tradeId}::uuid, ${entry.chainSeq}, ${entry.kind}, ${entry.kind === 'chat' ? entry.id : null}::uuid,
                ${status?.from ?? null}::"TradeStatus", ${status?.to ?? null}::"TradeStatus", ${status?.actorId ?? null}, ${status?.actorRole ?? null},
                ${status?.reason ?? null}, ${status?.timestamp ?? null}::timestamptz,
                decode(${sealed.digest}, 'hex'), decode(${sealed.hash}, 'hex'), decode(${sealed.signature}, 'hex'), ${signer.kid}))
      UPDATE trades SET chain_hash = decode(${sealed.hash}, 'hex') WHERE id = ${entry.tradeId}::uuid`;
    return { chainSeq: entry.chainSeq, hash: sealed.hash };
  }

  /**
   * Signs the entries of one trade that the migration chained without signatures, in chain
   * order from the genesis value, and returns the hash of the last one. The caller holds the
   * trade row lock. Entries already signed are taken as they are.
   */
  async signBacklog(tx: Prisma.TransactionClient, tradeId: string): Promise<string> {
    const signer = this.requireSigner();
    let previous = GENESIS_HASH;
    for (const row of await readChain(tx, tradeId)) {
      if (row.hash === null) {
        if (!row.entry) throw new Error(`trade ${tradeId}: chain entry ${row.chainSeq} has no content to sign`);
        const sealed = sealEntry(signer, row.entry, previous);
        await tx.$executeRaw`
          UPDATE trade_chain_entries
          SET digest = decode(${sealed.digest}, 'hex'), hash = decode(${sealed.hash}, 'hex'), signature = decode(${sealed.signature}, 'hex'), kid = ${signer.kid}
          WHERE trade_id = ${tradeId}::uuid AND chain_seq = ${row.chainSeq}`;
        previous = sealed.hash;
      } else {
        previous = row.hash;
      }
    }
    await tx.$executeRaw`UPDATE trades SET chain_hash = decode(${previous}, 'hex') WHERE id = ${tradeId}::uuid`;
    return previous;
  }

  private requireSigner(): TranscriptSigner {
    if (!this.signer) throw new Error('this process has no TRANSCRIPT_SIGNING_KEY, so it cannot write chat or status changes');
    return this.signer;
  }
}

/** An entry's digest, hash (chained to `previous`) and signature. */
export function sealEntry(signer: TranscriptSigner, entry: ChainEntry, previous: string) {
  const digest = sha256(entryBytes(entry));
  const hash = sha256(chainLinkBytes(previous, digest));
  return { digest, hash, signature: toHex(signer.sign(signedBytes(entry.tradeId, entry.chainSeq, hash))) };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
