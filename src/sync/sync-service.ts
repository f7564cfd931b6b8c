import type { Database } from '../persistence/database.js';
import type { SenderRole } from '../contract/trade-status.js';
import type { Actor } from '../auth/actor.js';
import { DomainError } from '../domain/errors.js';
import { roleOf } from '../contract/trade-transitions.js';
import type { TradeService } from '../domain/trade-service.js';
import { SYNC_CHAT_PAGE, SYNC_NOTIFICATION_PAGE, SYNC_TRADE_PAGE, type SyncTradeError, type SyncTradeReads } from '../contract/sync.js';
import type { SyncResponse } from '../contract/shapes.js';
import type { ChatMessage } from '../contract/shapes.js';
import { chatKey, notificationKey, readKey, tradeFeedKey, type HeadCache } from './head-cache.js';
import type { SyncMemory } from './head-feed.js';
import type { RecentChat } from './recent-chat.js';
import { readChat, readNotifications, readReceipts, readTradeFeed, type ChatRead } from './sync-reads.js';
import { encodeTradesCursor } from './trades-cursor.js';
import { recordRead } from '../domain/dispute-audit.js';

export interface SyncSettings {
  /** The advice for the next plain poll; also how often a held request re-reads while the cache is untrusted. */
  pollIntervalMs: number;
  /** Long polls held at once by this process; beyond it the route answers 503. */
  maxHeld: number;
  /** Long polls held at once for one user; beyond it a long poll is answered as a plain poll. */
  maxHeldPerUser: number;
}

/** A parsed sync query (see src/contract/sync.ts); trade ids lower-case and distinct. */
export interface SyncRequest {
  trades: ReadonlyArray<readonly [tradeId: string, afterSeq: number, reads?: SyncTradeReads]>;
  notificationsAfterSeq: number;
  /** A trade feed position (decoded `tradesAfter`). */
  tradesAfter: number;
  waitMs: number;
  /** Read every cursor from the database (the contract's `fresh`). */
  fresh: boolean;
}

/** A readable trade's read receipts: the cache keys of the caller's and the peer's, and what the client holds. */
interface ReadsPlan {
  tradeId: string;
  mine: string;
  peer: string;
  known?: SyncTradeReads;
}

/** What one request reads: its readable trades with the caller's side, and the cache keys. */
interface Plan {
  userId: string;
  chat: ChatRead[];
  reads: ReadsPlan[];
  errors: SyncResponse['errors'];
  notificationsAfterSeq: number;
  tradesAfter: number;
  keys: string[];
  /** The request's `fresh`: no cursor is answered from memory. */
  fresh: boolean;
}

/**
 * Answers sync requests from the head cache when every cursor is current, else from the database
 * (the feeds that are not), and holds long polls until the cache reports a change for the caller.
 */
export class SyncService {
  private held = 0;
  /** Held long polls per user id; a user at zero has no entry. */
  private readonly heldBy = new Map<string, number>();
  /** Wakes each held long poll, for close(). */
  private readonly holding = new Set<() => void>();
  private closed = false;
  private readonly cache: HeadCache;
  private readonly recent: RecentChat;

  constructor(
    private readonly db: Database,
    private readonly trades: TradeService,
    memory: SyncMemory,
    private readonly settings: SyncSettings,
  ) {
    this.cache = memory.heads;
    this.recent = memory.recent;
  }

  get heldRequests(): number {
    return this.held;
  }

  /**
   * Shutting down: each held long poll answers now with what it has, and none is held from now on,
   * so the HTTP server can close at once rather than after the longest wait.
   */
  close(): void {
    this.closed = true;
    for (const wake of [...this.holding]) wake();
  }

  /**
   * undefined: the bound on held long polls is reached (answer 503). `signal`: the client went away.
   * `onHold`: called when the request takes a held slot.
   *
   * A user past their share of held polls (a few tabs and devices) is answered at once as a plain
   * poll rather than refused: it gets its news, its client paces the next poll by `pollIntervalMs`
   * as after any early empty answer, and one token cannot take every slot from other users.
   */
  async sync(actor: Actor, request: SyncRequest, signal: AbortSignal, onHold?: () => void): Promise<SyncResponse | undefined> {
    const { userId } = actor;
    const mine = this.heldBy.get(userId) ?? 0;
    if (request.waitMs === 0 || this.closed || mine >= this.settings.maxHeldPerUser) {
      const plan = await this.plan(actor, request);
      return this.audited(plan, await this.answer(plan));
    }
    if (this.held >= this.settings.maxHeld) return undefined;
    this.held++;
    this.heldBy.set(userId, mine + 1);
    onHold?.();
    try {
      const plan = await this.plan(actor, request);
      return await this.audited(plan, await this.longPoll(plan, request.waitMs, signal));
    } finally {
      this.held--;
      const left = this.heldBy.get(userId)! - 1;
      if (left === 0) this.heldBy.delete(userId);
      else this.heldBy.set(userId, left);
    }
  }

  private async plan(actor: Actor, request: SyncRequest): Promise<Plan> {
    const plan: Plan = {
      userId: actor.userId,
      chat: [],
      reads: [],
      errors: {},
      notificationsAfterSeq: request.notificationsAfterSeq,
      tradesAfter: request.tradesAfter,
      keys: [notificationKey(actor.userId), tradeFeedKey(actor.userId)],
      fresh: request.fresh,
    };
    const sides = await Promise.all(request.trades.map(([tradeId]) => this.sideOf(actor, tradeId)));
    request.trades.forEach(([tradeId, afterSeq, known], i) => {
      const side = sides[i]!;
      if (side === 'forbidden' || side === 'not_found') {
        plan.errors[tradeId] = { error: side };
        return;
      }
      plan.chat.push({ tradeId, afterSeq, role: side.role });
      plan.keys.push(chatKey(tradeId, side.role));
      // A mediator has no read state of their own, and no one peer.
      if (side.peerId === null) return;
      const reads = { tradeId, mine: readKey(tradeId, actor.userId), peer: readKey(tradeId, side.peerId), known };
      plan.reads.push(reads);
      plan.keys.push(reads.mine, reads.peer);
    });
    return plan;
  }

  /** As the chat route: the buyer and the seller, and a mediator (an admin, once the trade is disputed). */
  private async sideOf(actor: Actor, tradeId: string): Promise<{ role: SenderRole; peerId: string | null } | SyncTradeError> {
    try {
      const parties = await this.trades.participants(tradeId);
      const role = roleOf(parties, actor.userId);
      if (!role) return actor.isAdmin && (await this.trades.mediable(tradeId)) ? { role: 'MEDIATOR', peerId: null } : 'forbidden';
      return { role, peerId: role === 'BUYER' ? parties.sellerId : parties.buyerId };
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found') return 'not_found';
      throw err;
    }
  }

  /**
   * A mediator's chat pages that are not empty go to the audit trail before they are answered, as
   * on the chat route; empty ones write nothing, so an empty poll stays free of writes.
   */
  private async audited(plan: Plan, response: SyncResponse): Promise<SyncResponse> {
    for (const { tradeId, role } of plan.chat) {
      if (role === 'MEDIATOR') await recordRead(this.db.prisma, tradeId, plan.userId, response.chat[tradeId] ?? []);
    }
    return response;
  }

  /** One answer: each feed from the cache when its cursor is current, else from the database. */
  private async answer(plan: Plan): Promise<SyncResponse> {
    // Fresh: as if memory knew nothing, so every feed is read (and the reads still fill the cache).
    const known = (key: string) => (plan.fresh ? undefined : this.cache.head(key));
    const stale = (key: string, cursor: number) => {
      const head = known(key);
      return head === undefined || cursor < head;
    };
    const chatReads: ChatRead[] = [];
    const fromMemory = new Map<string, ChatMessage[]>();
    for (const r of plan.chat) {
      const head = known(chatKey(r.tradeId, r.role));
      if (head !== undefined && r.afterSeq >= head) continue;
      const recent = head === undefined ? undefined : this.recent.between(r.tradeId, r.role, r.afterSeq, head);
      if (recent) fromMemory.set(r.tradeId, recent);
      else chatReads.push(r);
    }
    const nKey = notificationKey(plan.userId);
    const fKey = tradeFeedKey(plan.userId);
    const readN = stale(nKey, plan.notificationsAfterSeq);
    const readF = stale(fKey, plan.tradesAfter);
    const receiptReads = plan.reads.filter((r) => known(r.mine) === undefined || known(r.peer) === undefined);
    // Taken before the reads start, so a change during a read keeps the read from filling the cache.
    const keys = [
      ...chatReads.map((r) => chatKey(r.tradeId, r.role)),
      ...(readN ? [nKey] : []),
      ...(readF ? [fKey] : []),
      ...receiptReads.flatMap((r) => [r.mine, r.peer]),
    ];
    const tickets = new Map(keys.map((key) => [key, this.cache.ticket(key)]));
    try {
      // Each read takes a turn at the read gate, so polls never hold the connections writes need.
      const { reads } = this.db;
      const [chatPages, notifications, feed, receipts] = await Promise.all([
        chatReads.length > 0 ? reads.run(() => readChat(this.db, chatReads, SYNC_CHAT_PAGE)) : undefined,
        readN ? reads.run(() => readNotifications(this.db, plan.userId, plan.notificationsAfterSeq, SYNC_NOTIFICATION_PAGE)) : undefined,
        readF ? reads.run(() => readTradeFeed(this.db, plan.userId, plan.tradesAfter, SYNC_TRADE_PAGE)) : undefined,
        receiptReads.length > 0
          ? reads.run(() =>
              readReceipts(
                this.db,
                receiptReads.map((r) => r.tradeId),
              ),
            )
          : undefined,
      ]);
      const fill = (key: string, head: number) => this.cache.fill(key, head, tickets.get(key)!);
      const response: SyncResponse = {
        chat: {},
        notifications: notifications?.items ?? [],
        trades: feed?.items ?? [],
        tradesCursor: encodeTradesCursor(feed ? (feed.more ? feed.last : feed.head) : plan.tradesAfter),
        more: Boolean(notifications?.more || feed?.more),
        reads: {},
        errors: plan.errors,
        pollIntervalMs: this.settings.pollIntervalMs,
      };
      for (const r of plan.chat) response.chat[r.tradeId] = fromMemory.get(r.tradeId) ?? [];
      for (const r of chatReads) {
        const page = chatPages?.get(r.tradeId);
        if (!page) continue;
        response.chat[r.tradeId] = page.items;
        if (page.more) {
          response.more = true;
          continue;
        }
        // Nothing this side can see lies past its last message, or past its cursor when nothing came
        // (capped by the trade's head, so a cursor from nowhere cannot vouch for the future).
        fill(chatKey(r.tradeId, r.role), page.items.at(-1)?.seq ?? Math.min(r.afterSeq, page.head));
      }
      // A party without a stored receipt has read nothing; values only grow, so the higher of the
      // read and the cache (an event that arrived during the read) is the current one.
      const stored = new Map(receipts?.map((r) => [readKey(r.tradeId, r.userId), r.seq]));
      for (const r of receiptReads) for (const key of [r.mine, r.peer]) fill(key, stored.get(key) ?? 0);
      const seqOf = (key: string) => Math.max(this.cache.head(key) ?? 0, stored.get(key) ?? 0);
      for (const r of plan.reads) response.reads[r.tradeId] = { readSeq: seqOf(r.mine), peerReadSeq: seqOf(r.peer) };
      if (notifications && !notifications.more) fill(nKey, notifications.head);
      if (feed && !feed.more) fill(fKey, feed.head);
      return response;
    } finally {
      for (const key of keys) this.cache.release(key);
    }
  }

  /**
   * Answers as soon as something is there for the caller, else waits for the cache to report a
   * change on one of its feeds (or a change of trust) and looks again, until the time is up.
   * The watch starts before each look, so a commit during the look wakes the next wait at once.
   */
  private async longPoll(plan: Plan, waitMs: number, signal: AbortSignal): Promise<SyncResponse> {
    const deadline = Date.now() + waitMs;
    // The read state the client holds: what it sent, else what the first look found, so that a
    // receipt during the hold is news.
    const known = new Map(plan.reads.flatMap((r) => (r.known ? [[r.tradeId, r.known] as const] : [])));
    for (;;) {
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const unwatch = this.cache.watch(plan.keys, wake);
      this.holding.add(wake);
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        const response = await this.answer(plan);
        for (const [tradeId, reads] of Object.entries(response.reads)) if (!known.has(tradeId)) known.set(tradeId, reads);
        const left = deadline - Date.now();
        if (hasNews(response) || readsMoved(response, known) || left <= 0 || signal.aborted || this.closed) return response;
        // Untrusted, no event will wake it: look again as often as a plain poll would.
        const pause = this.cache.trusted ? left : Math.min(left, this.settings.pollIntervalMs);
        const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, pause)));
        const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', (onAbort = () => resolve()), { once: true }));
        await Promise.race([woken, timeUp, aborted]);
        if (signal.aborted || this.closed) return response;
      } finally {
        clearTimeout(timer);
        if (onAbort) signal.removeEventListener('abort', onAbort);
        unwatch();
        this.holding.delete(wake);
      }
    }
  }
}

/** A read seq past what the client holds: a tick or a badge to update. */
function readsMoved(r: SyncResponse, known: ReadonlyMap<string, SyncTradeReads>): boolean {
  return Object.entries(r.reads).some(([tradeId, now]) => {
    const held = known.get(tradeId)!;
    return now.readSeq > held.readSeq || now.peerReadSeq > held.peerReadSeq;
  });
}

/** Anything the caller should act on now (errors too: a client drops those trades). */
function hasNews(r: SyncResponse): boolean {
  return (
    r.more ||
    r.notifications.length > 0 ||
    r.trades.length > 0 ||
    Object.keys(r.errors).length > 0 ||
    Object.values(r.chat).some((messages) => messages.length > 0)
  );
}
