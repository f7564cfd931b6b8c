import type { Fetch } from '../../../client/src/rest-api.js';
import type { ChatMessage, Notification, Trade, TradeRole } from '../../../client/src/wire.js';

export const TRADE_ID = '0b7f3c4e-5d6a-4b8c-9d0e-1f2a3b4c5d6e';
export const BUYER = 'alice';
export const SELLER = 'bob';

const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(EPOCH + seconds * 1000).toISOString();

/**
 * The REST API of one trade as the buyer sees it, in memory: seq and timestamps as the real
 * server assigns them, and system messages for the seller hidden from the buyer.
 */
export class FakeServer {
  /** Every request, as "METHOD /path?query". */
  readonly calls: string[] = [];
  reachable = true;
  /** The trade is readable but its chat is not (as for an admin). */
  chatForbidden = false;
  readonly trade: Trade = {
    id: TRADE_ID, buyerId: BUYER, sellerId: SELLER, amount: '100', asset: 'USDT', fiat: 'VND',
    status: 'PENDING', createdAt: at(0), updatedAt: at(0),
  };
  readonly messages: ChatMessage[] = [];
  readonly notifications: Notification[] = [];
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  /** Appends a message as the server does: next seq, a later timestamp. */
  append(input: { senderId?: string | null; recipientRole?: TradeRole | null; text?: string } = {}): ChatMessage {
    const seq = this.messages.length + 1;
    const senderId = input.senderId === undefined ? SELLER : input.senderId;
    const message: ChatMessage = {
      id: `m${seq}`, tradeId: TRADE_ID, seq, senderId, message: input.text ?? `message ${seq}`,
      timestamp: at(seq), recipientRole: input.recipientRole ?? null, isSystemMessage: senderId === null,
    };
    this.messages.push(message);
    return message;
  }

  /** Stores a notification as the server does: the user's next seq. */
  notify(id: string, seconds: number): Notification {
    const seq = this.notifications.length + 1;
    const notification: Notification = { id, userId: BUYER, seq, type: 'TRADE_PAID', message: id, read: false, createdAt: at(seconds), readAt: null };
    this.notifications.push(notification);
    return notification;
  }

  setStatus(status: Trade['status'], seconds: number): void {
    Object.assign(this.trade, { status, updatedAt: at(seconds) });
  }

  /** Chat requests' query strings, e.g. "afterSeq=3&limit=1000". */
  chatQueries(): string[] {
    return this.calls.filter((c) => c.startsWith(`GET /p2p/trades/${TRADE_ID}/chat`) || c.startsWith(`GET /api/p2p/trades/${TRADE_ID}/chat`))
      .map((c) => c.split('?')[1] ?? '');
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
    this.calls.push(`${init.method} ${pathname}${searchParams.size ? `?${searchParams}` : ''}`);
    if (!this.reachable) throw new TypeError('fetch failed');
    const [status, body] = this.#answer(init.method, pathname.replace(/^\/api/, ''), searchParams, init.body);
    await this.#held;
    return { ok: status < 400, status, json: async () => body };
  };

  #answer(method: string, path: string, query: URLSearchParams, body: string | undefined): [number, unknown] {
    const visible = this.messages.filter((m) => m.recipientRole === null || m.recipientRole === 'BUYER');
    const limit = Number(query.get('limit') ?? 1000);
    if (method === 'GET' && path === `/p2p/trades/${TRADE_ID}`) return [200, { ...this.trade }];
    if (method === 'GET' && path === `/p2p/trades/${TRADE_ID}/chat` && this.chatForbidden) {
      return [403, { error: 'forbidden', message: 'only the buyer and the seller may use this chat' }];
    }
    if (method === 'GET' && path === `/p2p/trades/${TRADE_ID}/chat`) {
      const afterSeq = Number(query.get('afterSeq') ?? 0);
      const since = query.get('since');
      return [200, visible.filter((m) => m.seq > afterSeq && (!since || m.timestamp > since)).slice(0, limit)];
    }
    if (method === 'POST' && path === `/p2p/trades/${TRADE_ID}/chat`) {
      return [201, this.append({ senderId: BUYER, text: (JSON.parse(body ?? '{}') as { message: string }).message })];
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
}
