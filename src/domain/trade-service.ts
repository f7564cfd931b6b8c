import { randomUUID } from 'node:crypto';
import type { Database } from '../persistence/database.js';
import type { Trade as TradeRow } from '../generated/prisma/client.js';
import type { Outbox } from '../messaging/outbox.js';
import { tradeStatusEvent } from '../events/events.js';
import type { SenderRole, TradeRole, TradeStatus } from '../contract/trade-status.js';
import { isUuid } from '../contract/ids.js';
import type { OpenTradeInput, Trade } from '../contract/shapes.js';
import type { Actor } from '../auth/actor.js';
import { BatchedLookup } from './batched-lookup.js';
import { appendChatMessage } from './chat-log.js';
import { nextFeedPositions } from './trade-feed.js';
import { badRequest, conflict, DomainError, forbidden, notFound } from './errors.js';
import { checkTransition, RESOLUTIONS, roleOf, withReason } from '../contract/trade-transitions.js';
import type { Dispute } from '../contract/dispute.js';
import { recordAudit } from './dispute-audit.js';
import { mayMediate, mediatorMayPost } from './mediation.js';
import type { TradeAccess, TradeParties } from './trade-access.js';
import type { ChainLink, TranscriptChain } from './transcript-chain.js';

export type { Trade, OpenTradeInput };

type Parties = { buyerId: string; sellerId: string };
export const PARTIES_CACHE_SIZE = 10_000;
/** How long a resolved dispute stays on the Disputes list. */
export const RECENTLY_RESOLVED_MS = 7 * 24 * 3600_000;

/** Who the caller is in a trade's room, and whether they may post there. */
export interface RoomSeat {
  role: SenderRole;
  mayPost: boolean;
}

export class TradeService implements TradeAccess, TradeParties {
  private readonly parties = new Map<string, Promise<Parties>>();
  private readonly partiesLookup: BatchedLookup<Parties>;

  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly chain: TranscriptChain,
  ) {
    this.partiesLookup = new BatchedLookup(async (ids) => {
      const rows = await this.db.prisma.trade.findMany({ where: { id: { in: ids } }, select: { id: true, buyerId: true, sellerId: true } });
      return new Map(rows.map(({ id, buyerId, sellerId }) => [id, { buyerId, sellerId }]));
    });
  }

  async open(actor: Actor, input: OpenTradeInput): Promise<Trade> {
    if (input.sellerId === actor.userId) throw badRequest('you cannot open a trade with yourself');
    const trade = await this.outbox.transaction(async (tx, stage) => {
      const feed = await nextFeedPositions(tx, actor.userId, input.sellerId);
      const row = await tx.trade.create({ data: { id: randomUUID(), buyerId: actor.userId, ...input, ...feed } });
      // Opening is the transition into PENDING: the seller hears of the new trade the same way,
      // and it is the first entry of the trade's transcript.
      const link = await this.chain.appendStatus(tx, {
        tradeId: row.id,
        from: null,
        to: row.status,
        actorId: actor.userId,
        actorRole: 'BUYER',
        reason: null,
        timestamp: row.updatedAt.toISOString(),
      });
      stage(statusEvent(row, actor.userId, null, link));
      return row;
    });
    return toTrade(trade);
  }

  /** The caller's trades, as buyer or seller, most recently changed first. */
  async listMine(actor: Actor, limit: number): Promise<Trade[]> {
    const rows = await this.db.reads.run(() =>
      this.db.prisma.trade.findMany({
        where: { OR: [{ buyerId: actor.userId }, { sellerId: actor.userId }] },
        orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
        take: limit,
      }),
    );
    return rows.map(toTrade);
  }

  async get(actor: Actor, tradeId: string): Promise<Trade> {
    const row = await this.db.reads.run(() => this.find(tradeId));
    if (!actor.isAdmin && !roleOf(row, actor.userId)) throw forbidden('this trade is not yours');
    return toTrade(row);
  }

  /**
   * Moves a trade along the status graph. A party moves their own trade; an admin who is not a
   * party is the mediator, who only resolves a DISPUTED trade (to RELEASED or CANCELLED), with an
   * optional reason. The status, its system message, the audit row of a resolution and the events
   * commit in one transaction or not at all.
   */
  async changeStatus(actor: Actor, tradeId: string, to: TradeStatus, reason: string | null = null): Promise<Trade> {
    const current = await this.find(tradeId);
    const role: SenderRole | null = roleOf(current, actor.userId) ?? (actor.isAdmin ? 'MEDIATOR' : null);
    if (!role) throw forbidden('this trade is not yours');
    if (role === 'MEDIATOR' && RESOLUTIONS.includes(to) && current.status !== 'DISPUTED') {
      throw conflict(`only a DISPUTED trade can be resolved; this one is ${current.status}`);
    }
    const check = checkTransition(current.status, to, role);
    if (!check.ok) {
      throw check.reason === 'forbidden'
        ? forbidden(`the ${role.toLowerCase()} may not move a trade from ${current.status} to ${to}`)
        : conflict(`a trade cannot move from ${current.status} to ${to}`);
    }
    const resolution = role === 'MEDIATOR';
    if (reason !== null && !resolution) throw badRequest("a reason is only taken with a mediator's resolution");
    const { systemMessage } = check.transition;

    const updated = await this.outbox.transaction(async (tx, stage) => {
      const feed = await nextFeedPositions(tx, current.buyerId, current.sellerId);
      const disputed = to === 'DISPUTED' ? { disputedAt: new Date() } : {};
      // Compare-and-set: a concurrent change since our read makes this a conflict, not a double move.
      const { count } = await tx.trade.updateMany({ where: { id: tradeId, status: current.status }, data: { status: to, ...feed, ...disputed } });
      if (count === 0) throw conflict(`the trade changed concurrently; it is no longer ${current.status}`);
      const row = await tx.trade.findUniqueOrThrow({ where: { id: tradeId } });
      const link = await this.chain.appendStatus(tx, {
        tradeId,
        from: current.status,
        to,
        actorId: actor.userId,
        actorRole: role,
        reason,
        timestamp: row.updatedAt.toISOString(),
      });
      const appended = await appendChatMessage(tx, this.chain, tradeId, {
        senderId: null,
        senderRole: null,
        message: withReason(systemMessage.text(role), reason),
        recipientRole: systemMessage.recipientRole,
      });
      if (resolution) await recordAudit(tx, { tradeId, actorId: actor.userId, action: 'RESOLVE', from: current.status, to, reason });
      stage(statusEvent(row, actor.userId, current.status, link, reason), appended.event);
      return row;
    });
    return toTrade(updated);
  }

  /**
   * The caller's seat in a trade's room: their side, or MEDIATOR for an admin who is not a party
   * once the trade has been disputed (and still after its resolution, read-only). Parties are
   * answered from the parties cache; only a mediator's seat reads the trade's status.
   */
  async seat(actor: Actor, tradeId: string): Promise<RoomSeat> {
    const side = roleOf(await this.participants(tradeId), actor.userId);
    if (side) return { role: side, mayPost: true };
    if (actor.isAdmin) {
      const row = await this.mediation(tradeId);
      if (row && mayMediate(row)) return { role: 'MEDIATOR', mayPost: mediatorMayPost(row) };
    }
    throw forbidden('only the buyer and the seller, or an administrator once the trade is disputed, may use this chat');
  }

  async mediable(tradeId: string): Promise<boolean> {
    const row = await this.mediation(tradeId);
    return row !== null && mayMediate(row);
  }

  /**
   * `GET /p2p/disputes`: the open disputes, oldest first (the longest waiting on top), then those
   * resolved within RECENTLY_RESOLVED_MS, most recent first. Admins only.
   */
  async disputes(actor: Actor, limit: number): Promise<Dispute[]> {
    if (!actor.isAdmin) throw forbidden('only administrators may list disputes');
    const since = new Date(Date.now() - RECENTLY_RESOLVED_MS);
    const [open, resolved] = await this.db.reads.run(() =>
      Promise.all([
        this.db.prisma.trade.findMany({ where: { status: 'DISPUTED' }, orderBy: [{ disputedAt: 'asc' }, { id: 'asc' }], take: limit }),
        this.db.prisma.trade.findMany({
          where: { disputedAt: { not: null }, status: { not: 'DISPUTED' }, updatedAt: { gt: since } },
          orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
          take: limit,
        }),
      ]),
    );
    return [...open, ...resolved].slice(0, limit).map((row) => ({ ...toTrade(row), disputedAt: row.disputedAt!.toISOString() }));
  }

  async roleInTrade(tradeId: string, userId: string): Promise<TradeRole | null> {
    const parties = await this.participants(tradeId).catch((err: unknown) => {
      if (err instanceof DomainError && err.code === 'not_found') return null;
      throw err;
    });
    return parties ? roleOf(parties, userId) : null;
  }

  /**
   * A trade's buyer and seller, for the permission checks of every chat send and poll and
   * every gateway subscription. They never change after the trade is opened, so a trade's
   * lookup is made once and shared (also while in flight); a failed lookup or an unknown trade
   * is not remembered, so the next caller asks again. Bounded; the oldest goes first.
   *
   * Lookups asked for in the same turn share one query (BatchedLookup). When a gateway dies, its
   * clients' subscriptions reach a survivor whose cache knows none of their trades: thousands of
   * one-row reads, each paying Prisma's fixed cost, were a tenth of the survivor's CPU in the
   * failover bench (docs/benchmarks.md). The price: a failed query fails the checks of its whole
   * chunk (up to 500 trades), which the gateway answers with close 1013 and the client retries.
   */
  participants(tradeId: string): Promise<Parties> {
    let found = this.parties.get(tradeId);
    if (!found) {
      const lookup = this.lookUpParties(tradeId);
      found = lookup;
      if (this.parties.size >= PARTIES_CACHE_SIZE) this.parties.delete(this.parties.keys().next().value!);
      this.parties.set(tradeId, lookup);
      lookup.catch(() => {
        if (this.parties.get(tradeId) === lookup) this.parties.delete(tradeId);
      });
    }
    return found;
  }

  private async lookUpParties(tradeId: string): Promise<Parties> {
    // Not a UUID: not found without a query, and kept out of a chunk whose statement it would fail.
    // The database answers ids in lower case, the key it is matched by.
    const parties = isUuid(tradeId) ? await this.partiesLookup.get(tradeId.toLowerCase()) : undefined;
    if (!parties) throw notFound(`trade ${tradeId} not found`);
    return parties;
  }

  /** What the mediation rules read of a trade; null when it does not exist. */
  private async mediation(tradeId: string): Promise<{ status: TradeStatus; disputedAt: Date | null } | null> {
    return isUuid(tradeId) ? this.db.prisma.trade.findUnique({ where: { id: tradeId }, select: { status: true, disputedAt: true } }) : null;
  }

  /** The trade (no permission check); 404 when it does not exist. */
  private async find(tradeId: string): Promise<TradeRow> {
    const row = isUuid(tradeId) ? await this.db.prisma.trade.findUnique({ where: { id: tradeId } }) : null;
    if (!row) throw notFound(`trade ${tradeId} not found`);
    return row;
  }
}

function statusEvent(row: TradeRow, actorId: string, previousStatus: TradeStatus | null, link: ChainLink, reason: string | null = null) {
  return tradeStatusEvent({
    eventId: randomUUID(),
    tradeId: row.id,
    buyerId: row.buyerId,
    sellerId: row.sellerId,
    actorId,
    previousStatus,
    status: row.status,
    ...(reason === null ? {} : { reason }),
    timestamp: row.updatedAt.toISOString(),
    ...link,
  });
}

export function toTrade(row: Pick<TradeRow, keyof Trade>): Trade {
  return {
    id: row.id,
    buyerId: row.buyerId,
    sellerId: row.sellerId,
    amount: row.amount.toString(),
    asset: row.asset,
    fiat: row.fiat,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
