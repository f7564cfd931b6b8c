// Where a chat message or a status change sits in its trade's transcript chain (docs/transcript.md),
// declared once for the transcript, the events and the chat messages that carry it.
import { z } from 'zod';
import { SHA256_HEX } from './transcript-format.js';

export const chainSeqSchema = z.number().int().positive().meta({ description: "1, 2, 3 … per trade: the entry's place in the trade's transcript chain." });

/** A SHA-256 value of the chain (a digest, a hash). */
export const sha256HexSchema = z.string().regex(SHA256_HEX);

/**
 * An entry's link as events and every chat message carry it (pushed, answered to a send, listed,
 * synced): a party keeps the last hash it saw, to check a transcript against later. Optional: other
 * publishers have no chain, and an entry the migration chained has no hash until the api signs it.
 */
export const chainLinkShape = {
  chainSeq: chainSeqSchema.optional(),
  hash: sha256HexSchema.optional().meta({
    description:
      "The entry's chain hash (lower-case hex): keep the last one to check a transcript against. Absent only where there is none yet: another publisher's event, or an entry the migration chained and the api has not signed yet.",
  }),
};
