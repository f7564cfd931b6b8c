import { Backoff } from './backoff.js';
import { ChatFeed } from './chat-feed.js';
import { ChatSync } from './chat-sync.js';
import type { Clock } from './clock.js';
import { Emitter } from './events.js';
import { fetchNotificationsAfter, NotificationFeed, notificationOf } from './notification-feed.js';
import { parseChatMessage, parseNotificationEvent, parseStatusEvent } from './payloads.js';
import { Poller } from './polling.js';
import { ApiError, RestApi, type Fetch, type TokenGetter } from './rest-api.js';
import type { StompConnector, StompLink, Subscription } from './stomp-link.js';
import { TradeStatuses, type TradeStatusUpdate } from './trade-statuses.js';
import { topics, type ChatMessage, type Notification, type Trade, type TradeStatus } from './wire.js';

/** live: the socket is up. polling: it is not (or not yet), REST answers. offline: neither answers, or not started. */
export type ConnectionState = 'live' | 'polling' | 'offline';

export interface RealtimeEvents {
  /** A chat message of a watched trade: each once, in seq order per trade. */
  message: ChatMessage;
  /** A trade's status changed (watched trades, and any trade of this user the socket reports). */
  status: TradeStatusUpdate;
  /** A notification that arrived after start-up (the backlog only counts towards `unread`). */
  notification: Notification;
  /** The number of unread notifications changed. */
  unread: number;
  connection: ConnectionState;
}

export interface RealtimeClientOptions {
  /** The user the token is for: their `/topic/users/{userId}/…` destinations are subscribed. */
  userId: string;
  /** Called at every (re)connect and before every REST call, so a refreshed token is picked up. */
  getToken: TokenGetter;
  /** Origin of the REST API; '' (the default) is the page's own. */
  baseUrl?: string;
  /**
   * Poll chat by `?since=<timestamp of the last message>` as the plan's client does, instead of
   * `?afterSeq=<cursor>`. Both lose nothing: the server gives each trade's messages strictly
   * increasing timestamps.
   */
  sinceMode?: boolean;
  /** REST prefix; default '/api/p2p' in sinceMode (the plan's paths), '/p2p' otherwise. */
  apiPath?: string;
  /** Poll period while the socket is down, 2000–3000 ms; default 2000. */
  pollIntervalMs?: number;
  /** Reconnect delays: exponential from baseMs (default 1000) up to maxMs (default 30000), fully jittered. */
  reconnect?: { baseMs?: number; maxMs?: number };
}

/** What the client needs from its surroundings; `createRealtimeClient` supplies the browser's. */
export interface RealtimeClientDeps {
  connector: StompConnector;
  fetch: Fetch;
  clock: Clock;
  random: () => number;
}

// The server's largest page: fewer round trips when catching up after a long outage.
const PAGE_SIZE = 1000;

interface WatchedTrade {
  sync: ChatSync;
  subscriptions: Subscription[];
}

/**
 * One STOMP connection for a user's chat, trade status and notifications, with REST polling
 * while the socket is down (the plan's ChatWebSocketManager, made loss-free).
 *
 * Socket first. When it fails or closes, the client polls every 2 s from its cursors and
 * reconnects with jittered backoff. On (re)connect it stops polling, subscribes, waits until
 * the server confirmed the subscriptions, then syncs once from the cursors: from then on the
 * socket delivers everything, and a gap in seq on the socket is filled by a fetch.
 */
export class RealtimeClient {
  readonly api: RestApi;
  readonly #events = new Emitter<RealtimeEvents>();
  readonly #trades = new Map<string, WatchedTrade>();
  readonly #statuses = new TradeStatuses();
  readonly #notifications = new NotificationFeed();
  readonly #poller: Poller;
  readonly #backoff: Backoff;
  readonly #pollIntervalMs: number;
  #state: ConnectionState = 'offline';
  #running = false;
  /** Identifies the current connection attempt; callbacks of older ones are ignored. */
  #attempt = 0;
  #link: StompLink | undefined;
  #live = false;
  #restReachable = false;
  #cancelReconnect: (() => void) | undefined;
  #backlogLoaded = false;
  #unread = 0;

  constructor(
    private readonly options: RealtimeClientOptions,
    private readonly deps: RealtimeClientDeps,
  ) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 2000;
    if (!(this.#pollIntervalMs >= 2000 && this.#pollIntervalMs <= 3000)) throw new RangeError('pollIntervalMs must be 2000–3000');
    this.api = new RestApi({
      baseUrl: options.baseUrl ?? '',
      apiPath: options.apiPath ?? (options.sinceMode ? '/api/p2p' : '/p2p'),
      getToken: options.getToken,
      fetch: deps.fetch,
      onReachability: (reachable) => {
        this.#restReachable = reachable;
        this.#updateState();
      },
    });
    this.#poller = new Poller(deps.clock, this.#pollIntervalMs, () => this.#syncAll());
    this.#backoff = new Backoff({ baseMs: options.reconnect?.baseMs ?? 1000, maxMs: options.reconnect?.maxMs ?? 30_000, random: deps.random });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Connects, and polls until the socket is up. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#poller.start();
    void this.#syncNotifications().catch(() => undefined);
    void this.#connect();
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#attempt += 1;
    this.#cancelReconnect?.();
    this.#poller.stop();
    this.#link?.close();
    this.#link = undefined;
    for (const watched of this.#trades.values()) watched.sync.close();
    this.#live = false;
    this.#updateState();
  }

  /**
   * Follows a trade's chat and status. Resolves with the trade once its history is loaded;
   * rejects with an ApiError (403, 404 …) when the trade cannot be read, and then follows nothing.
   */
  async watchTrade(tradeId: string): Promise<Trade> {
    const trade = this.#acceptTrade(await this.api.getTrade(tradeId));
    // Keyed by the id as the server spells it: pushes and polled messages carry that spelling.
    const id = trade.id;
    let watched = this.#trades.get(id);
    if (!watched) {
      watched = { sync: this.#chatSync(id), subscriptions: [] };
      this.#trades.set(id, watched);
      if (this.#live) await confirmed(this.#subscribeTrade(id, watched));
    }
    try {
      await watched.sync.sync();
    } catch (err) {
      // Readable but not its chat (an admin): following it would have every reconnect's
      // subscription refused, which ends the whole connection. (Unreachable: keep following.)
      if (err instanceof ApiError && !err.unreachable) this.unwatchTrade(id);
      throw err;
    }
    return trade;
  }

  unwatchTrade(tradeId: string): void {
    const watched = this.#trades.get(tradeId);
    if (!watched) return;
    this.#trades.delete(tradeId);
    watched.sync.close();
    for (const subscription of watched.subscriptions) subscription.unsubscribe();
  }

  /** A watched trade's messages so far, in seq order. */
  messages(tradeId: string): readonly ChatMessage[] {
    return this.#trades.get(tradeId)?.sync.feed.messages ?? [];
  }

  async sendMessage(tradeId: string, text: string): Promise<ChatMessage> {
    const message = await this.api.sendMessage(tradeId, text);
    // Shown at once; the socket's copy of it is then a duplicate and dropped.
    this.#trades.get(tradeId)?.sync.receive(message);
    return message;
  }

  async changeStatus(tradeId: string, status: TradeStatus): Promise<Trade> {
    return this.#acceptTrade(await this.api.changeStatus(tradeId, status));
  }

  /** Newest first. */
  notifications(): Notification[] {
    return this.#notifications.list();
  }

  get unreadCount(): number {
    return this.#notifications.unread;
  }

  async markNotificationRead(notificationId: string): Promise<void> {
    this.#notifications.put(await this.api.markNotificationRead(notificationId));
    this.#emitUnread();
  }

  async #connect(): Promise<void> {
    this.#cancelReconnect = undefined;
    const attempt = ++this.#attempt;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch {
      return this.#lost(attempt);
    }
    if (attempt !== this.#attempt) return;
    this.#link = this.deps.connector(
      { Authorization: `Bearer ${token}` },
      {
        onConnected: () => void this.#connected(attempt),
        onLost: () => this.#lost(attempt),
      },
    );
  }

  async #connected(attempt: number): Promise<void> {
    if (attempt !== this.#attempt) return;
    this.#poller.stop();
    this.#live = true;
    this.#updateState();
    await confirmed([
      this.#subscribe(topics.userTrades(this.options.userId), (body) => this.#onStatusBody(body)),
      this.#subscribe(topics.userNotifications(this.options.userId), (body) => this.#onNotificationBody(body)),
      ...[...this.#trades].flatMap(([tradeId, watched]) => this.#subscribeTrade(tradeId, watched)),
    ]);
    if (attempt !== this.#attempt) return;
    // Only a connection whose subscriptions were accepted resets the backoff: one that is
    // refused right after CONNECT must not turn into a reconnect loop at the base delay.
    this.#backoff.reset();
    await this.#syncAll();
  }

  #lost(attempt: number): void {
    if (attempt !== this.#attempt || !this.#running) return;
    // The attempt is over: a #connected still waiting for its confirmations must not go on.
    this.#attempt += 1;
    this.#link?.close();
    this.#link = undefined;
    this.#live = false;
    // They died with the link; unwatchTrade must not unsubscribe them on the next one.
    for (const watched of this.#trades.values()) watched.subscriptions = [];
    this.#updateState();
    this.#poller.start();
    this.#cancelReconnect = this.deps.clock.schedule(() => void this.#connect(), this.#backoff.next());
  }

  #subscribe(destination: string, onBody: (body: string) => void): Subscription {
    // #connected and watchTrade subscribe only while live, when there is a link.
    return this.#link!.subscribe(destination, onBody);
  }

  #subscribeTrade(tradeId: string, watched: WatchedTrade): Subscription[] {
    watched.subscriptions = [
      this.#subscribe(topics.tradeChat(tradeId), (body) => {
        const message = parseChatMessage(body);
        if (message) watched.sync.receive(message);
      }),
      this.#subscribe(topics.trade(tradeId), (body) => this.#onStatusBody(body)),
    ];
    return watched.subscriptions;
  }

  #chatSync(tradeId: string): ChatSync {
    return new ChatSync(new ChatFeed(tradeId), {
      fetchPage: this.options.sinceMode
        ? (feed) => this.api.chatSince(feed.tradeId, feed.last?.timestamp, PAGE_SIZE)
        : (feed) => this.api.chatAfterSeq(feed.tradeId, feed.cursor, PAGE_SIZE),
      pageSize: PAGE_SIZE,
      deliver: (messages) => {
        for (const message of messages) this.#events.emit('message', message);
      },
      clock: this.deps.clock,
      retryMs: this.#pollIntervalMs,
    });
  }

  /** One round of catching up from every cursor: a poll, or the sync after a (re)connect. */
  async #syncAll(): Promise<void> {
    await Promise.allSettled([
      this.#syncNotifications(),
      ...[...this.#trades].flatMap(([tradeId, watched]) => [
        watched.sync.sync(),
        this.api.getTrade(tradeId).then((trade) => this.#acceptTrade(trade)),
      ]),
    ]);
  }

  async #syncNotifications(): Promise<void> {
    // The first load starts from the beginning even if the socket already delivered newer ones.
    const backlog = !this.#backlogLoaded;
    const fetched = await fetchNotificationsAfter(this.api, backlog ? 0 : this.#notifications.pollAfter, PAGE_SIZE);
    this.#backlogLoaded = true;
    for (const notification of fetched) this.#acceptNotification(notification, !backlog);
    this.#emitUnread();
  }

  #onStatusBody(body: string): void {
    const event = parseStatusEvent(body);
    if (event) this.#acceptStatus(event);
  }

  #onNotificationBody(body: string): void {
    const event = parseNotificationEvent(body);
    if (!event) return;
    this.#acceptNotification(notificationOf(event), true);
    this.#emitUnread();
  }

  #acceptStatus(update: TradeStatusUpdate): void {
    if (this.#statuses.accept(update)) this.#events.emit('status', update);
  }

  /** A trade read from REST: its status may be news. */
  #acceptTrade(trade: Trade): Trade {
    this.#acceptStatus(this.#statuses.fromTrade(trade));
    return trade;
  }

  #acceptNotification(notification: Notification, announce: boolean): void {
    if (this.#notifications.put(notification) && announce) this.#events.emit('notification', notification);
  }

  #emitUnread(): void {
    const unread = this.#notifications.unread;
    if (unread === this.#unread) return;
    this.#unread = unread;
    this.#events.emit('unread', unread);
  }

  #updateState(): void {
    // Not started (or stopped) counts as offline: nothing keeps the data current then.
    const state: ConnectionState = !this.#running ? 'offline' : this.#live ? 'live' : this.#restReachable ? 'polling' : 'offline';
    if (state === this.#state) return;
    this.#state = state;
    this.#events.emit('connection', state);
  }
}

function confirmed(subscriptions: Subscription[]): Promise<void[]> {
  return Promise.all(subscriptions.map((s) => s.confirmed));
}
