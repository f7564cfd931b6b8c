// The transcript's shapes (docs/transcript.md) as zod schemas, for the OpenAPI document and the
// types; src/contract/transcript.ts holds the byte layouts and re-exports the types for the
// browser without zod.
import { z } from 'zod';
import { tradeSchema } from './shapes.js';
import { SENDER_ROLES, TRADE_ROLES, TRADE_STATUSES } from './trade-status.js';
import { chainSeqSchema as chainSeq, sha256HexSchema } from './chain-link.js';
import { SIGNATURE_HEX, TRANSCRIPT_FORMAT } from './transcript-format.js';

const sha256 = (what: string) => sha256HexSchema.meta({ description: `${what}, lower-case hex.` });
const instant = z.iso.datetime();
const chainRole = z.enum(SENDER_ROLES);

export const chatChainEntrySchema = z.object({
  kind: z.literal('chat'),
  tradeId: z.string(),
  chainSeq,
  id: z.string(),
  seq: z.number().int().positive(),
  senderId: z.string().nullable(),
  senderRole: chainRole.nullable(),
  recipientRole: z.enum(TRADE_ROLES).nullable(),
  isSystemMessage: z.boolean(),
  message: z.string(),
  timestamp: instant,
});

export const statusChainEntrySchema = z.object({
  kind: z.literal('status'),
  tradeId: z.string(),
  chainSeq,
  from: z.enum(TRADE_STATUSES).nullable().meta({ description: 'null for the opening, and for the status a trade had when the transcript began.' }),
  to: z.enum(TRADE_STATUSES),
  actorId: z.string().nullable(),
  actorRole: chainRole.nullable(),
  reason: z.string().nullable(),
  timestamp: instant,
});

export const chainEntrySchema = z.discriminatedUnion('kind', [chatChainEntrySchema, statusChainEntrySchema]);

export const transcriptRecordSchema = z.object({
  chainSeq,
  entry: chainEntrySchema.nullable().meta({ description: 'null: an entry meant only for the other side; its digest still lets this side check the chain.' }),
  digest: sha256('SHA-256 of the JCS form of the entry'),
  hash: sha256('SHA-256 of the previous hash and this digest'),
  signature: z.string().regex(SIGNATURE_HEX).meta({ description: "The server's Ed25519 signature over (format, tradeId, chainSeq, hash), lower-case hex." }),
  kid: z.string().meta({ description: 'The signing key (GET /p2p/transcript-keys).' }),
});

export const chainCheckSchema = z.union([
  z.object({
    valid: z.literal(true),
    entries: z.number().int().nonnegative(),
    head: z.object({ chainSeq, hash: sha256('The last hash') }),
  }),
  z.object({
    valid: z.literal(false),
    firstBreak: z.object({ chainSeq: z.number().int().nonnegative(), reason: z.string() }),
  }),
]);

export const transcriptSchema = z.object({
  format: z.literal(TRANSCRIPT_FORMAT),
  trade: tradeSchema,
  view: chainRole.meta({ description: "Whose view: a side's (the other side's own entries as digests) or the mediator's (every entry)." }),
  statusTimeline: z.array(statusChainEntrySchema).meta({ description: 'The status entries, in chain order.' }),
  entries: z.array(transcriptRecordSchema),
  check: chainCheckSchema.meta({ description: "The server's re-verification of the stored chain as it served this." }),
});

export const transcriptPublicKeySchema = z.object({
  kid: z.string(),
  alg: z.literal('Ed25519'),
  publicKeyPem: z.string().meta({ description: 'SubjectPublicKeyInfo, PEM.' }),
});

export const transcriptKeysSchema = z.object({
  keys: z.array(transcriptPublicKeySchema).meta({ description: 'The signing key first, then retired ones that still verify.' }),
});
