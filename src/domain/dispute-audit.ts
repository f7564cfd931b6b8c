import type { Prisma, DisputeAudit as AuditRow } from '../generated/prisma/client.js';
import type { Database } from '../persistence/database.js';
import type { AuditEntry } from '../contract/dispute.js';
import type { Actor } from '../auth/actor.js';
import { isUuid } from '../contract/ids.js';
import { forbidden, notFound } from './errors.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An entry as written: the row's id and time are the database's. */
export type NewAuditEntry = DistributiveOmit<AuditEntry, 'id' | 'at'>;

/**
 * Writes an audit row inside the caller's transaction, so the row commits with what it records
 * (the posted message, the resolution) or not at all. The action's own fields go to `detail`.
 */
export async function recordAudit(tx: Prisma.TransactionClient, entry: NewAuditEntry): Promise<void> {
  const { tradeId, actorId, action, ...detail } = entry;
  await tx.disputeAudit.create({ data: { tradeId, actorId, action, detail } });
}

/**
 * A mediator read a chat page: one row naming its seqs, written before the page is answered (a
 * failed write fails the read). An empty page writes nothing, so an empty poll stays free of writes.
 */
export async function recordRead(tx: Prisma.TransactionClient, tradeId: string, actorId: string, page: readonly { seq: number }[]): Promise<void> {
  if (page.length === 0) return;
  await recordAudit(tx, { tradeId, actorId, action: 'READ', firstSeq: page[0]!.seq, lastSeq: page.at(-1)!.seq, count: page.length });
}

/** `GET /p2p/trades/{tradeId}/audit`: admins only, oldest first. */
export class DisputeAuditService {
  constructor(private readonly db: Database) {}

  async list(actor: Actor, tradeId: string): Promise<AuditEntry[]> {
    if (!actor.isAdmin) throw forbidden('only administrators may read the audit trail');
    const trade = isUuid(tradeId) ? await this.db.reads.run(() => this.db.prisma.trade.findUnique({ where: { id: tradeId }, select: { id: true } })) : null;
    if (!trade) throw notFound(`trade ${tradeId} not found`);
    const rows = await this.db.reads.run(() => this.db.prisma.disputeAudit.findMany({ where: { tradeId }, orderBy: { id: 'asc' } }));
    return rows.map(toAuditEntry);
  }
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return { ...(row.detail as object), id: row.id, tradeId: row.tradeId, actorId: row.actorId, action: row.action, at: row.at.toISOString() } as AuditEntry;
}
