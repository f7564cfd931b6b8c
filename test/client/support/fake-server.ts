import { createHash } from 'node:crypto';
import type { Clock } from '../../../client/src/clock.js';
import type { Fetch } from '../../../client/src/rest-api.js';
import type { ChatMessage, Notification, SyncResponse, Trade, TradeRole } from '../../../client/src/wire.js';

export const TRADE_ID = '0b7f3c4e-5d6a-4b8c-9d0e-1f2a3b4c5d6e';
export const BUYER = 'alice';
export const SELLER = 'bob';

const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(EPOCH + seconds * 1000).toISOString();

interface TradeRow {
  trade: Trade;
  messages: ChatMessage[];
  /** Bumped at open and at each status change: the sync trades cursor. */
  version: number;
}

/** A canned answer for the next request whose "METHOD /path" matches. */
interface Failure {
  match: RegExp;
  status: number;
  retryAfterSeconds?: number;
  /** The request is carried out, but its answer is lost on the way (a timeout, seen from the client). */
  lostAnswer?: boolean;
  /**
   * The request is never answered, until the client gives it up: a connection stuck in a full
   * accept queue, or a host gone silent.
   */
  unanswered?: boolean;
}

/**
 * The REST API of the buyer's trades, in memory: seq and timestamps as the real server assigns
 * them, system messages for the seller hidden from the buyer, `GET /sync` by the SPEC's sync
 * contract (long polls held on the test's fake clock), and idempotent chat sends.
 */
export class FakeServer {
  /** Every request, as "METHOD /path?query". */
  readonly calls: string[] = [];
  reachable = true;
  /** The trade is readable but its chat is not (as for an admin). */
  chatForbidden = false;
  /** false: a server from before `GET /sync` (404). */
  syncAvailable = true;
  /** false: `wait` is ignored, answers come at once. */
  holdsLongPolls = true;
  /** Something between client and server cuts held requests (fetch fails at once). */
  cutsLongPolls = false;
  /** The sync answer's page limit per list (`more` when one is reached). */
  syncPageLimit = 1000;
  pollIntervalMs = 2000;
  /**
   * The sync route has heard of messages up to this seq only: the later ones' events are still on
   * their way to its process, whose head cache answers "nothing new" meanwhile (docs/sync.md).
   */
  syncHeardThrough = Infinity;
  /** Trades whose sync entry is an error rather than chat. */
  readonly refusedTrades = new Set<string>();
  readonly notifications: Notification[] = [];
  readonly failures: Failure[] = [];
  readonly #trades = new Map<string, TradeRow>();
  readonly #sent = new Map<string, ChatMessage>();
  /** The buyer's last-read seq per trade, as POST /read stored it. */
  readonly readSeqs = new Map<string, number>();
  /** The user is not a party but the trades' mediator (an ADMIN): the trade carries no read state. */
  mediated = false;
  /** The other party's last-read seq per trade: set by `peerReads`. */
  readonly peerReadSeqs = new Map<string, number>();
  #version = 0;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  readonly #waiting = new Set<() => void>();

  /** `clock`: long polls are held on it (without one, `wait` is ignored). */
  constructor(private readonly clock?: Clock) {
    this.openTrade(TRADE_ID);
  }

  get trade(): Trade {
    return this.#row(TRADE_ID).trade;
  }

  get messages(): ChatMessage[] {
    return this.#row(TRADE_ID).messages;
  }

  /** Opens a trade of the buyer's (with the seller unless told). */
  openTrade(id: string, sellerId = SELLER): Trade {
    const trade: Trade = {
      id,
      buyerId: BUYER,
      sellerId,
      amount: '100',
      asset: 'USDT',
      fiat: 'VND',
      status: 'PENDING',
      createdAt: at(0),
      updatedAt: at(0),
    };
    this.#trades.set(id, { trade, messages: [], version: ++this.#version });
    this.#wake();
    return trade;
  }

  /** Appends a message as the server does: next seq, a later timestamp. */
  append(input: { senderId?: string | null; recipientRole?: TradeRole | null; text?: string } = {}, tradeId = TRADE_ID): ChatMessage {
    const { messages } = this.#row(tradeId);
    const seq = messages.length + 1;
    const senderId = input.senderId === undefined ? SELLER : input.senderId;
    const message: ChatMessage = {
      id: `${tradeId === TRADE_ID ? '' : `${tradeId}-`}m${seq}`,
      tradeId,
      seq,
      senderId,
      senderRole: senderId === null ? null : senderId === SELLER ? 'SELLER' : 'BUYER',
      message: input.text ?? `message ${seq}`,
      timestamp: at(seq),
      recipientRole: input.recipientRole ?? null,
      isSystemMessage: senderId === null,
      // Its transcript entry, as every route and push carries it: entry 1 is the trade's opening,
      // and this server records no other status change in the chain.
      chainSeq: seq + 1,
      hash: createHash('sha256').update(`${tradeId}:${seq}`).digest('hex'),
    };
    messages.push(message);
    this.#wake();
    return message;
  }

  /** The other party reads up to `seq`: a held long poll that sent older read seqs answers. */
  peerReads(seq: number, tradeId = TRADE_ID): void {
    this.peerReadSeqs.set(tradeId, seq);
    this.#wake();
  }

  /** Stores a notification as the server does: the user's next seq. */
  notify(id: string, seconds: number): Notification {
    const seq = this.notifications.length + 1;
    const notification: Notification = { id, userId: BUYER, seq, type: 'TRADE_PAID', message: id, read: false, createdAt: at(seconds), readAt: null };
    this.notifications.push(notification);
    this.#wake();
    return notification;
  }

  setStatus(status: Trade['status'], seconds: number, tradeId = TRADE_ID): void {
    const row = this.#row(tradeId);
    Object.assign(row.trade, { status, updatedAt: at(seconds) });
    row.version = ++this.#version;
    this.#wake();
  }

  /** Long polls being held now. */
  get heldRequests(): number {
    return this.#waiting.size;
  }

  /** Chat requests' query strings, e.g. "afterSeq=3&limit=1000". */
  chatQueries(): string[] {
    return this.calls
      .filter((c) => c.startsWith(`GET /p2p/trades/${TRADE_ID}/chat`) || c.startsWith(`GET /api/p2p/trades/${TRADE_ID}/chat`))
      .map((c) => c.split('?')[1] ?? '');
  }

  /** Sync requests' parsed queries, in order. */
  syncQueries(): URLSearchParams[] {
    return this.calls.filter((c) => c.startsWith('GET /p2p/sync')).map((c) => new URLSearchParams(c.split('?')[1] ?? ''));
  }

  /** Chat sends, by their `clientMessageId`. */
  sendKeys(): (string | undefined)[] {
    return this.calls.filter((c) => c.startsWith('POST') && c.includes('/chat')).map((c) => c.split(' ')[2]);
  }

  /** Answers are computed at once but handed over only on release(): a request in flight. */
  hold(): void {
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release?.();
    this.#held = undefined;
  }

  readonly fetch: Fetch = async (url, init) => {
    const { pathname, searchParams } = new URL(url, 'http://api.test');
    const key =
      init.method === 'POST' && pathname.endsWith('/chat') ? ` ${(JSON.parse(init.body ?? '{}') as { clientMessageId?: string }).clientMessageId}` : '';
    this.calls.push(`${init.method} ${pathname}${searchParams.size ? `?${searchParams}` : ''}${key}`);
    if (!this.reachable) throw new TypeError('fetch failed');
    const path = pathname.replace(/^\/api/, '');
    const failure = this.#takeFailure(`${init.method} ${path}`);
    if (failure?.unanswered) {
      await abortable(new Promise<void>(() => {}), init.signal);
    }
    if (failure && !failure.lostAnswer) {
      const headers = new Headers(failure.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(failure.retryAfterSeconds) });
      return { ok: false, status: failure.status, headers, json: async () => ({ error: 'unavailable', message: 'try later' }) };
    }
    if (path === '/p2p/sync' && searchParams.has('wait') && this.cutsLongPolls) throw new TypeError('fetch failed');
    const [status, body] = path === '/p2p/sync' ? await this.#sync(searchParams, init.signal) : this.#answer(init.method, path, searchParams, init.body);
    if (this.#held) await abortable(this.#held, init.signal);
    if (failure?.lostAnswer) throw new TypeError('fetch failed');
    return { ok: status < 400, status, headers: new Headers(), json: async () => body };
  };

  #row(tradeId: string): TradeRow {
    const row = this.#trades.get(tradeId);
    if (!row) throw new Error(`no trade ${tradeId}`);
    return row;
  }

  #takeFailure(request: string): Failure | undefined {
    const index = this.failures.findIndex((f) => f.match.test(request));
    return index < 0 ? undefined : this.failures.splice(index, 1)[0];
  }

  #wake(): void {
    for (const wake of [...this.#waiting]) wake();
  }

  #visible(tradeId: string): ChatMessage[] {
    return this.#row(tradeId).messages.filter((m) => m.recipientRole === null || m.recipientRole === 'BUYER');
  }

  async #sync(query: URLSearchParams, signal: AbortSignal | undefined): Promise<[number, unknown]> {
    if (!this.syncAvailable) return [404, { error: 'not_found', message: 'no route for GET /p2p/sync' }];
    const wait = Number(query.get('wait') ?? 0);
    const deadline = (this.clock?.now() ?? 0) + wait * 1000;
    for (;;) {
      const answer = this.#syncAnswer(query);
      const empty =
        Object.values(answer.chat).every((c) => c.length === 0) && !answer.notifications.length && !answer.trades.length && !readsMoved(query, answer);
      const left = deadline - (this.clock?.now() ?? 0);
      if (!empty || !this.clock || !this.holdsLongPolls || left <= 0) return [200, answer];
      await new Promise<void>((resolve) => {
        const done = () => {
          cancel();
          this.#waiting.delete(done);
          resolve();
        };
        const cancel = this.clock!.schedule(done, left);
        this.#waiting.add(done);
        signal?.addEventListener('abort', done);
      });
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    }
  }

  #syncAnswer(query: URLSearchParams): SyncResponse {
    const limit = this.syncPageLimit;
    let more = false;
    const page = <T>(items: T[]): T[] => {
      if (items.length > limit) more = true;
      return items.slice(0, limit);
    };
    const chat: Record<string, ChatMessage[]> = {};
    const errors: SyncResponse['errors'] = {};
    for (const entry of (query.get('trades') ?? '').split(',').filter(Boolean)) {
      const [tradeId, afterSeq] = entry.split(':') as [string, string];
      if (this.refusedTrades.has(tradeId) || !this.#trades.has(tradeId)) errors[tradeId] = { error: 'forbidden' };
      else chat[tradeId] = page(this.#visible(tradeId).filter((m) => m.seq > Number(afterSeq) && m.seq <= this.syncHeardThrough));
    }
    const notificationsAfter = Number(query.get('notificationsAfterSeq') ?? 0);
    const tradesAfter = Number(query.get('tradesAfter') ?? 0);
    const changed = [...this.#trades.values()].filter((r) => r.version > tradesAfter).sort((a, b) => a.version - b.version);
    const trades = page(changed);
    return {
      chat,
      notifications: page(this.notifications.filter((n) => n.seq > notificationsAfter)),
      trades: trades.map((r) => ({ ...r.trade })),
      tradesCursor: String(trades.at(-1)?.version ?? tradesAfter),
      more,
      reads: Object.fromEntries(Object.keys(chat).map((tradeId) => [tradeId, this.#reads(tradeId)])),
      errors,
      pollIntervalMs: this.pollIntervalMs,
    };
  }

  #answer(method: string, path: string, query: URLSearchParams, body: string | undefined): [number, unknown] {
    const limit = Number(query.get('limit') ?? 1000);
    const chatPath = /^\/p2p\/trades\/([^/]+)\/chat$/.exec(path);
    const tradePath = /^\/p2p\/trades\/([^/]+)$/.exec(path);
    if (method === 'GET' && tradePath && this.#trades.has(tradePath[1]!))
      return [200, { ...this.#row(tradePath[1]!).trade, ...(this.mediated ? { readSeq: null, peerReadSeq: null } : this.#reads(tradePath[1]!)) }];
    if (chatPath && this.#trades.has(chatPath[1]!)) {
      const tradeId = chatPath[1]!;
      if (method === 'GET' && this.chatForbidden) return [403, { error: 'forbidden', message: 'only the buyer and the seller may use this chat' }];
      if (method === 'GET') {
        const afterSeq = Number(query.get('afterSeq') ?? 0);
        const since = query.get('since');
        return [
          200,
          this.#visible(tradeId)
            .filter((m) => m.seq > afterSeq && (!since || m.timestamp > since))
            .slice(0, limit),
        ];
      }
      if (method === 'POST') return this.#send(tradeId, JSON.parse(body ?? '{}') as { message: string; clientMessageId?: string });
    }
    const readPath = /^\/p2p\/trades\/([^/]+)\/read$/.exec(path);
    if (method === 'POST' && readPath && this.#trades.has(readPath[1]!)) {
      const { seq } = JSON.parse(body ?? '{}') as { seq: number };
      this.readSeqs.set(readPath[1]!, Math.max(seq, this.readSeqs.get(readPath[1]!) ?? 0));
      return [200, { tradeId: readPath[1], userId: BUYER, seq: this.readSeqs.get(readPath[1]!), at: at(999) }];
    }
    if (method === 'GET' && path === '/p2p/notifications') {
      const afterSeq = Number(query.get('afterSeq') ?? 0);
      return [200, this.notifications.filter((n) => n.seq > afterSeq).slice(0, limit)];
    }
    const read = /^\/p2p\/notifications\/([^/]+)\/read$/.exec(path);
    const notification = read && this.notifications.find((n) => n.id === read[1]);
    if (method === 'POST' && notification) return [200, Object.assign(notification, { read: true, readAt: at(999) })];
    return [404, { error: 'not_found', message: `no route for ${method} ${path}` }];
  }

  #reads(tradeId: string): { readSeq: number; peerReadSeq: number } {
    return { readSeq: this.readSeqs.get(tradeId) ?? 0, peerReadSeq: this.peerReadSeqs.get(tradeId) ?? 0 };
  }

  /** Carries out a chat SEND that came over the socket (its body as sent), as the api would. */
  commitSend(tradeId: string, body: string): ChatMessage {
    return this.#send(tradeId, JSON.parse(body) as { message: string; clientMessageId?: string })[1] as ChatMessage;
  }

  /** As the server does: a retry with the same (sender, trade, clientMessageId) gets the stored message. */
  #send(tradeId: string, input: { message: string; clientMessageId?: string }): [number, unknown] {
    const key = input.clientMessageId === undefined ? undefined : `${BUYER}:${tradeId}:${input.clientMessageId}`;
    const stored = key === undefined ? undefined : this.#sent.get(key);
    if (stored) return [200, stored];
    const message = this.append({ senderId: BUYER, text: input.message }, tradeId);
    if (key !== undefined) this.#sent.set(key, message);
    return [201, message];
  }
}

/** As the server does: a long poll that sent a trade's read seqs answers once either is past them. */
function readsMoved(query: URLSearchParams, answer: SyncResponse): boolean {
  return (query.get('trades') ?? '').split(',').some((entry) => {
    const [tradeId, , readSeq, peerReadSeq] = entry.split(':');
    const now = answer.reads[tradeId ?? ''];
    return readSeq !== undefined && now !== undefined && (now.readSeq > Number(readSeq) || now.peerReadSeq > Number(peerReadSeq));
  });
}

/** A sync query's `trades` as `tradeId:afterSeq` entries: the chat cursors, without the read seqs the client holds. */
export function chatCursors(query: URLSearchParams): string | null {
  const trades = query.get('trades');
  return trades === null ? null : trades.replace(/(^|,)([^:,]+:\d+)(:\d+:\d+)?/g, '$1$2');
}

/** As fetch does: an aborted request rejects at once, whatever the server is doing. */
function abortable(held: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return held;
  return new Promise((resolve, reject) => {
    const abort = () => reject(new DOMException('aborted', 'AbortError'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort);
    void held.then(resolve);
  });
}
