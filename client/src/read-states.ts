import type { SyncTradeReads } from './wire.js';

/**
 * Per watched trade, the read seqs this client knows: the user's own last-read seq (from any of
 * their devices) and the other party's. They only grow, however late or often a source repeats
 * itself: the trade as REST gives it, receipts on the socket, and sync answers while polling.
 */
export class ReadStates {
  readonly #states = new Map<string, SyncTradeReads>();

  get(tradeId: string): SyncTradeReads | undefined {
    return this.#states.get(tradeId);
  }

  /** Raises what is known; the new state when anything moved (or was first learnt), else undefined. */
  raise(tradeId: string, reads: Partial<SyncTradeReads>): SyncTradeReads | undefined {
    const known = this.#states.get(tradeId);
    const next = {
      readSeq: Math.max(known?.readSeq ?? 0, reads.readSeq ?? 0),
      peerReadSeq: Math.max(known?.peerReadSeq ?? 0, reads.peerReadSeq ?? 0),
    };
    if (known && known.readSeq === next.readSeq && known.peerReadSeq === next.peerReadSeq) return undefined;
    this.#states.set(tradeId, next);
    return next;
  }

  delete(tradeId: string): void {
    this.#states.delete(tradeId);
  }
}
