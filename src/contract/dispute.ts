// Disputes (docs/contract.md, "Disputes"): the resolution request, the admins' Disputes list and
// the audit trail of what mediators did, declared once as zod schemas like the other REST shapes.
import { z } from 'zod';
import { tradeSchema } from './shapes.js';
import { RESOLUTIONS } from './trade-transitions.js';
import { TRADE_STATUSES } from './trade-status.js';

/** The most characters (code points) a mediator's reason may have. */
export const MAX_REASON_LENGTH = 500;

/** What a mediator did in a trade's room. */
export const AUDIT_ACTIONS = ['JOIN', 'READ', 'POST', 'RESOLVE'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const instant = z.iso.datetime();
const seq = z.number().int().positive();

const auditBase = {
  id: z.number().int().positive().meta({ description: 'Ascending in the order the entries were written.' }),
  tradeId: z.string(),
  actorId: z.string().meta({ description: 'The admin who acted.' }),
  at: instant,
};

/** One row of `GET /p2p/trades/{tradeId}/audit`; the action's own fields depend on `action`. */
export const auditEntrySchema = z.discriminatedUnion('action', [
  z.object({ ...auditBase, action: z.literal('JOIN').meta({ description: 'Subscribed to the trade chat on the gateway.' }) }),
  z.object({
    ...auditBase,
    action: z.literal('READ').meta({ description: 'Read a chat page that was not empty (an empty one writes nothing), or the transcript: its chat messages.' }),
    firstSeq: seq,
    lastSeq: seq,
    count: z.number().int().positive(),
  }),
  z.object({ ...auditBase, action: z.literal('POST').meta({ description: 'Posted a chat message.' }), messageId: z.string(), seq }),
  z.object({
    ...auditBase,
    action: z.literal('RESOLVE').meta({ description: 'Resolved the dispute.' }),
    from: z.enum(TRADE_STATUSES),
    to: z.enum(TRADE_STATUSES),
    reason: z.string().nullable(),
  }),
]);

/** A row of the admins' Disputes list: the trade and when it became DISPUTED. */
export const disputeSchema = tradeSchema.extend({
  disputedAt: instant.meta({ description: 'When the trade became DISPUTED.' }),
});

/** The statuses a mediator may resolve a dispute to, for the request's documentation. */
export const RESOLUTION_NOTE = `An ADMIN who is not a party resolves a DISPUTED trade to ${RESOLUTIONS.join(' or ')}, optionally with a \`reason\` (1..${MAX_REASON_LENGTH} characters) shown to both parties.`;

export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type Dispute = z.infer<typeof disputeSchema>;
