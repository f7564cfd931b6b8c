import { randomUUID } from 'node:crypto';
import type { Database } from '../persistence/database.js';
import type { Trade as TradeRow } from '../generated/prisma/client.js';
import type { Outbox } from '../messaging/outbox.js';
import { tradeStatusEvent } from '../events/events.js';
import type { TradeRole, TradeStatus } from '../contract/trade-status.js';
import { isUuid } from '../contract/ids.js';
import type { OpenTradeInput, Trade } from '../contract/shapes.js';
import type { Actor } from '../auth/actor.js';
import { appendChatMessage } from './chat-log.js';
import { nextFeedPositions } from './trade-feed.js';
import { badRequest, conflict, DomainError, forbidden, notFound } from './errors.js';
import { checkTransition, roleOf } from '../contract/trade-transitions.js';
import type { TradeAccess, TradeParties } from './trade-access.js';

export type { Trade, OpenTradeInput };

type Parties = { buyerId: string; sellerId: string };
export const PARTIES_CACHE_SIZE = 10_000;

export class TradeService implements TradeAccess, TradeParties {
  private readonly parties = new Map<string, Promise<Parties>>();

  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
  ) {}

  async open(actor: Actor, input: OpenTradeInput): Promise<Trade> {
    if (input.sellerId === actor.userId) throw badRequest('you cannot open a trade with yourself');
    const trade = await this.outbox.transaction(async (tx, stage) => {
      const feed = await nextFeedPositions(tx, actor.userId, input.sellerId);
      const row = await tx.trade.create({ data: { id: randomUUID(), buyerId: actor.userId, ...input, ...feed } });
      // Opening is the transition into PENDING: the seller hears of the new trade the same way.
      stage(statusEvent(row, actor.userId, null));
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

  async changeStatus(actor: Actor, tradeId: string, to: TradeStatus): Promise<Trade> {
    const current = await this.find(tradeId);
    const role = roleOf(current, actor.userId);
    if (!role) throw forbidden('this trade is not yours');
    const check = checkTransition(current.status, to, role);
    if (!check.ok) {
      throw check.reason === 'forbidden'
        ? forbidden(`the ${role.toLowerCase()} may not move a trade from ${current.status} to ${to}`)
        : conflict(`a trade cannot move from ${current.status} to ${to}`);
    }
    const { systemMessage } = check.transition;

    const updated = await this.outbox.transaction(async (tx, stage) => {
      const feed = await nextFeedPositions(tx, current.buyerId, current.sellerId);
      // Compare-and-set: a concurrent change since our read makes this a conflict, not a double move.
      const { count } = await tx.trade.updateMany({ where: { id: tradeId, status: current.status }, data: { status: to, ...feed } });
      if (count === 0) throw conflict(`the trade changed concurrently; it is no longer ${current.status}`);
      const row = await tx.trade.findUniqueOrThrow({ where: { id: tradeId } });
      const appended = await appendChatMessage(tx, tradeId, {
        senderId: null,
        senderRole: null,
        message: systemMessage.text(role),
        recipientRole: systemMessage.recipientRole,
      });
      stage(statusEvent(row, actor.userId, current.status), appended.event);
      return row;
    });
    return toTrade(updated);
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
    const row = isUuid(tradeId) ? await this.db.prisma.trade.findUnique({ where: { id: tradeId }, select: { buyerId: true, sellerId: true } }) : null;
    if (!row) throw notFound(`trade ${tradeId} not found`);
    return row;
  }

  /** The trade (no permission check); 404 when it does not exist. */
  private async find(tradeId: string): Promise<TradeRow> {
    const row = isUuid(tradeId) ? await this.db.prisma.trade.findUnique({ where: { id: tradeId } }) : null;
    if (!row) throw notFound(`trade ${tradeId} not found`);
    return row;
  }
}

function statusEvent(row: TradeRow, actorId: string, previousStatus: TradeStatus | null) {
  return tradeStatusEvent({
    eventId: randomUUID(),
    tradeId: row.id,
    buyerId: row.buyerId,
    sellerId: row.sellerId,
    actorId,
    previousStatus,
    status: row.status,
    timestamp: row.updatedAt.toISOString(),
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
