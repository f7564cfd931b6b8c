// The tamper-evident transcript on the client side (docs/transcript.md): the verifier the CLI and
// the server run too, and the last chain hash this client saw for each trade.
export {
  asTranscript,
  Ed25519UnavailableError,
  importPublicKeys,
  NotATranscriptError,
  parseTranscript,
  verifyTranscript,
  type HeldHash,
  type TranscriptKeyring,
} from '../../src/contract/transcript-verify.js';
export type { ChainCheck, ChainEntry, Transcript, TranscriptPublicKey, TranscriptRecord } from '../../src/contract/transcript.js';

import type { HeldHash } from '../../src/contract/transcript-verify.js';

/**
 * The furthest chain entry of each trade this client saw (status events and every chat message,
 * pushed or polled, carry `chainSeq` and `hash`): pass it to verifyTranscript, and a transcript
 * whose history was rewritten or cut since fails. Entries arrive on several topics and routes, in
 * no common order, so the highest chainSeq wins.
 */
export class TranscriptHeads {
  readonly #heads = new Map<string, HeldHash>();

  note(pushed: { tradeId: string; chainSeq?: number; hash?: string }): void {
    if (pushed.chainSeq === undefined || pushed.hash === undefined) return;
    const known = this.#heads.get(pushed.tradeId);
    if (!known || pushed.chainSeq > known.chainSeq) this.#heads.set(pushed.tradeId, { chainSeq: pushed.chainSeq, hash: pushed.hash });
  }

  last(tradeId: string): HeldHash | undefined {
    return this.#heads.get(tradeId);
  }
}
