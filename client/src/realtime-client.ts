import { Backoff } from './backoff.js';
import { ChatFeed } from './chat-feed.js';
import { ChatSync } from './chat-sync.js';
import type { Clock } from './clock.js';
import { Emitter } from './events.js';
import { FallbackPoll } from './fallback-poll.js';
import { classifyLoss } from './link-loss.js';
import { fetchNotificationsAfter, NotificationFeed, notificationOf } from './notification-feed.js';
import { jittered, PollPacer } from './pacing.js';
import { parseChatMessage, parseNotificationEvent, parsePresence, parseReadReceipt, parseStatusEvent, parseTyping } from './payloads.js';
import { TranscriptHeads, type HeldHash } from './transcript.js';
import { Poller } from './polling.js';
import { ApiError, RestApi, type DisputeResolution, type Fetch, type TokenGetter } from './rest-api.js';
import { newClientMessageId, retryable } from './retry.js';
import { ReadStates } from './read-states.js';
import { RoomSends } from './room-sends.js';
import { ReceiptedSends } from './socket-sends.js';
import type { LinkLoss, StompConnector, StompLink, Subscription } from './stomp-link.js';
import { SyncRounds } from './sync-round.js';
import { refreshDelay, tokenExpiry } from './token-expiry.js';
import { TradeStatuses, type TradeStatusUpdate } from './trade-statuses.js';
import {
  DEFAULT_MAX_SUBSCRIPTIONS,
  topics,
  userDestinations,
  type ChatMessage,
  type Notification,
  type PresenceEvent,
  type ReadReceiptEvent,
  type SyncTradeReads,
  type Trade,
  type TradeStatus,
  type TradeView,
  type TypingEvent,
} from './wire.js';

/** live: the socket is up. polling: it is not (or not yet), REST answers. offline: neither answers, or not started. */
export type ConnectionState = 'live' | 'polling' | 'offline';

export interface RealtimeEvents {
  /** A chat message of a watched trade: each once, in seq order per trade. */
  message: ChatMessage;
  /** A trade's status changed, or a trade of this user was opened (watched trades, the socket's user topic, and sync). */
  status: TradeStatusUpdate;
  /** A party of a watched room (this user too, from any device) read up to `seq`: a receipt on the socket. */
  read: ReadReceiptEvent;
  /**
   * The read state of a watched trade moved: this user's last-read seq (any device) and the other
   * party's. From the trade, the socket's receipts (rooms), this client's markRead, and sync while
   * polling. Never for a trade the user is not a party of (a mediator has no read state).
   */
  reads: { tradeId: string } & SyncTradeReads;
  /** Someone in a watched room is typing (this user's own sessions included): about one a second while it lasts. */
  typing: TypingEvent;
  /** A party of a watched room came online in it or went offline (live socket only; sent once on subscribing too). */
  presence: PresenceEvent;
  /** A notification that arrived after start-up (the backlog only counts towards `unread`). */
  notification: Notification;
  /** The number of unread notifications changed. */
  unread: number;
  connection: ConnectionState;
  /** The server stopped answering for a watched trade (no longer readable): it is no longer followed. */
  unwatched: { tradeId: string; error: string };
  /**
   * The token ran out and `getToken()` has no valid one (or the server refused it). The client
   * has stopped, keeping its cursors: call `start()` once the user has logged in again.
   */
  'auth-required': { reason: 'expired' | 'refused' };
}

export interface RealtimeClientOptions {
  /** The user the token is for: their `/topic/users/{userId}/…` destinations are subscribed. */
  userId: string;
  /**
   * Called at every (re)connect, before every REST call, and shortly before the token's `exp`,
   * so a refreshed token is picked up. A token that has expired already means the user must log in.
   */
  getToken: TokenGetter;
  /** Origin of the REST API; '' (the default) is the page's own. */
  baseUrl?: string;
  /**
   * The plan's client: poll each resource (`?since=<timestamp of the last message>` for chat)
   * instead of `GET /sync`. Both lose nothing: the server gives each trade's messages strictly
   * increasing timestamps.
   */
  sinceMode?: boolean;
  /** REST prefix; default '/api/p2p' in sinceMode (the plan's paths), '/p2p' otherwise. */
  apiPath?: string;
  /** Poll period while the socket is down until the server advises one, 2000–3000 ms; default 2000. */
  pollIntervalMs?: number;
  /** Reconnect delays: exponential from baseMs (default 1000) up to maxMs (default 30000), fully jittered. */
  reconnect?: { baseMs?: number; maxMs?: number };
  /**
   * The gateway's subscriptions per connection (GATEWAY_MAX_SUBSCRIPTIONS; default its default,
   * 100). One more would have every connect refused, so the client never asks for more: 3 for the
   * user's own destinations, 2 per watched trade, 3 more per room (see watchTrade).
   */
  maxSubscriptions?: number;
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
// Spreads the reconnects of a draining gateway's batch beyond its advisory delay.
const DRAIN_JITTER_MS = 1000;

interface WatchedTrade {
  sync: ChatSync;
  /** On screen: its read receipts, typing and presence are followed too. */
  room: boolean;
  /** The trade's other party; undefined when the user is not a party (a mediator): no read state then. */
  peerId: string | undefined;
}

// What a connection subscribes: for the user, per watched trade, and per room on top.
const USER_SUBSCRIPTIONS = 3;
const TRADE_SUBSCRIPTIONS = 2;
const ROOM_SUBSCRIPTIONS = 3;

/** One connection attempt, and then the connection, with the subscriptions made on it. */
interface Connection {
  link?: StompLink;
  /** CONNECTED arrived: subscriptions may be made on the link. */
  connected?: boolean;
  /** Per watched trade; the user topics are not listed (they go with the link). */
  readonly subscriptions: Map<string, Subscription[]>;
  /** Per room: read receipts, typing, presence. */
  readonly rooms: Map<string, Subscription[]>;
  cancelRefresh?: () => void;
  /** Abandons this connection's catch-up: the request in flight, or the wait before another try. */
  cancelCatchUp?: () => void;
  /** Set once the server confirmed the `/user/queue/errors` subscription: SENDs may go. */
  sends?: ReceiptedSends;
}

interface Credentials {
  token: string;
  /** The token's `exp` in ms, if it has one. */
  expiresAt: number | undefined;
}

/**
 * One STOMP connection for a user's chat, trade status and notifications, with REST polling
 * while the socket is down (the plan's ChatWebSocketManager, made loss-free).
 *
 * Socket first. When it fails or closes, the client syncs every cursor in one long-polled
 * `GET /sync` at a time and reconnects with jittered backoff (or after a draining gateway's
 * advisory delay). On (re)connect it stops polling, subscribes, waits until the server
 * confirmed the subscriptions, then syncs once from the cursors: from then on the socket
 * delivers everything, and a gap in seq on the socket is filled by a fetch. Before the token
 * expires it opens a second connection with a new one and drops the first once the second's
 * subscriptions are confirmed.
 */
export class RealtimeClient {
  readonly api: RestApi;
  readonly #events = new Emitter<RealtimeEvents>();
  readonly #trades = new Map<string, WatchedTrade>();
  readonly #statuses = new TradeStatuses();
  readonly #heads = new TranscriptHeads();
  readonly #notifications = new NotificationFeed();
  readonly #rounds: SyncRounds;
  readonly #poller: Poller;
  readonly #poll: FallbackPoll;
  readonly #room: RoomSends;
  readonly #reads = new ReadStates();
  readonly #pacer: PollPacer;
  readonly #backoff: Backoff;
  readonly #pollIntervalMs: number;
  readonly #maxSubscriptions: number;
  #state: ConnectionState = 'offline';
  #running = false;
  /** The connection in use (or being attempted); callbacks of any other are ignored. */
  #current: Connection | undefined;
  /** A connection on a refreshed token, taking over from #current once its subscriptions are confirmed. */
  #next: Connection | undefined;
  #live = false;
  /** The sync start() makes, abandoned by stop() as a connection's catch-up is. */
  #startUpSync: AbortController | undefined;
  #restReachable = false;
  #cancelReconnect: (() => void) | undefined;
  #backlogLoaded = false;
  #unread = 0;
  /** false on a server without `GET /sync` (404), and in sinceMode: per-resource polls then. */
  #syncAvailable: boolean;

  constructor(
    private readonly options: RealtimeClientOptions,
    private readonly deps: RealtimeClientDeps,
  ) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 2000;
    if (!(this.#pollIntervalMs >= 2000 && this.#pollIntervalMs <= 3000)) throw new RangeError('pollIntervalMs must be 2000–3000');
    this.#syncAvailable = !options.sinceMode;
    this.api = new RestApi({
      baseUrl: options.baseUrl ?? '',
      apiPath: options.apiPath ?? (options.sinceMode ? '/api/p2p' : '/p2p'),
      getToken: options.getToken,
      fetch: deps.fetch,
      clock: deps.clock,
      onReachability: (reachable) => {
        this.#restReachable = reachable;
        this.#updateState();
      },
    });
    this.#rounds = new SyncRounds({
      api: this.api,
      chats: () => new Map([...this.#trades].map(([tradeId, watched]) => [tradeId, watched.sync])),
      notificationsAfter: () => this.#notifications.pollAfter,
      onNotifications: (notifications, announce) => {
        for (const notification of notifications) this.#acceptNotification(notification, announce);
        this.#emitUnread();
      },
      onTrades: (trades) => {
        for (const trade of trades) this.#acceptTrade(trade);
      },
      reads: (tradeId) => this.#reads.get(tradeId),
      onReads: (tradeId, reads) => this.#raiseReads(tradeId, reads),
      onRefused: (tradeId, error) => {
        if (!this.#trades.has(tradeId)) return;
        this.unwatchTrade(tradeId);
        this.#events.emit('unwatched', { tradeId, error });
      },
      onAdvice: (intervalMs) => this.#pacer.advise(intervalMs),
    });
    this.#pacer = new PollPacer(this.#pollIntervalMs, deps.random);
    this.#poll = new FallbackPoll({
      clock: deps.clock,
      pacer: this.#pacer,
      syncAvailable: () => this.#syncAvailable,
      catchUp: (wait, signal) => this.#catchUp({ wait, signal }),
    });
    this.#poller = new Poller(
      deps.clock,
      () => this.#pacer.next(),
      () => this.#poll.run(),
    );
    this.#room = new RoomSends({
      api: this.api,
      socket: () => (this.#live ? this.#current?.sends : undefined),
      clock: deps.clock,
      random: deps.random,
    });
    this.#maxSubscriptions = options.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS;
    this.#backoff = new Backoff({ baseMs: options.reconnect?.baseMs ?? 1000, maxMs: options.reconnect?.maxMs ?? 30_000, random: deps.random });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Connects, and polls until the socket is up. After `auth-required`, resumes from the cursors. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#pacer.reset();
    this.#poller.start();
    this.#startUpSync = new AbortController();
    void this.#catchUp({ signal: this.#startUpSync.signal }).catch(() => undefined);
    void this.#connect();
  }

  stop(): void {
    if (!this.#running) return;
    this.#halt();
    for (const watched of this.#trades.values()) watched.sync.close();
  }

  /**
   * Follows a trade's chat and status. Resolves with the trade once its history is loaded;
   * rejects with an ApiError (403, 404 …) when the trade cannot be read, and then follows nothing.
   *
   * `room: true` for the trade on screen: its read receipts, typing and presence are followed
   * too (`read`, `typing`, `presence` events), until `leaveRoom`. Watching it again without
   * `room` keeps them. Rejects with a RangeError, following nothing new, when the connection
   * would need more subscriptions than the gateway allows (`maxSubscriptions`): unwatch trades
   * no longer shown, or leave rooms, first.
   */
  async watchTrade(tradeId: string, options: { room?: boolean } = {}): Promise<TradeView> {
    const trade = this.#acceptTrade(await this.api.getTrade(tradeId));
    // Keyed by the id as the server spells it: pushes and polled messages carry that spelling.
    const id = trade.id;
    let watched = this.#trades.get(id);
    const room = options.room === true && !watched?.room;
    const needed = this.#subscriptionCount() + (watched ? 0 : TRADE_SUBSCRIPTIONS) + (room ? ROOM_SUBSCRIPTIONS : 0);
    if (needed > this.#maxSubscriptions)
      throw new RangeError(
        `following ${id} would take the connection past ${this.#maxSubscriptions} subscriptions, the gateway's limit: unwatch a trade or leave a room first`,
      );
    if (!watched) {
      const peerId = trade.buyerId === this.options.userId ? trade.sellerId : trade.sellerId === this.options.userId ? trade.buyerId : undefined;
      const added: WatchedTrade = { sync: this.#chatSync(id), room: false, peerId };
      watched = added;
      this.#trades.set(id, added);
      // Also on a session about to take over (token renewal), unawaited: if it takes over before
      // the server has this subscription, a message missed meanwhile leaves a seq gap, fetched.
      if (this.#next?.connected) this.#subscribeTrade(this.#next, id, added);
      if (this.#live && this.#current) await confirmed(this.#subscribeTrade(this.#current, id, added));
    }
    if (room) {
      watched.room = true;
      // Unawaited: nothing is caught up from these (receipts are in the trade, typing and presence are of the moment).
      for (const connection of [this.#current, this.#next]) if (connection?.connected) this.#subscribeRoom(connection, id);
    }
    // null for an admin who is not a party: no read state.
    if (trade.readSeq !== null && trade.peerReadSeq !== null) this.#raiseReads(id, { readSeq: trade.readSeq, peerReadSeq: trade.peerReadSeq });
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

  /** The trade is no longer on screen: its chat and status stay followed, its receipts, typing and presence not. */
  leaveRoom(tradeId: string): void {
    const watched = this.#trades.get(tradeId);
    if (!watched?.room) return;
    watched.room = false;
    for (const connection of [this.#current, this.#next]) unsubscribeAll(connection?.rooms, tradeId);
  }

  unwatchTrade(tradeId: string): void {
    const watched = this.#trades.get(tradeId);
    if (!watched) return;
    this.#trades.delete(tradeId);
    this.#reads.delete(tradeId);
    watched.sync.close();
    for (const connection of [this.#current, this.#next]) {
      unsubscribeAll(connection?.subscriptions, tradeId);
      unsubscribeAll(connection?.rooms, tradeId);
    }
  }

  /** A watched trade's messages so far, in seq order. */
  messages(tradeId: string): readonly ChatMessage[] {
    return this.#trades.get(tradeId)?.sync.feed.messages ?? [];
  }

  /**
   * Sends with a `clientMessageId` (yours, to retry a failed send yourself, or a new random
   * one), retried with that same id after a timeout, a network failure or a 503/429 (after its
   * Retry-After): the server stores the message once whatever the number of tries.
   */
  async sendMessage(tradeId: string, text: string, options: { clientMessageId?: string } = {}): Promise<ChatMessage> {
    const message = await this.#room.sendOverRest(tradeId, text, options.clientMessageId ?? newClientMessageId());
    // Shown at once; the socket's copy of it is then a duplicate and dropped.
    this.#trades.get(tradeId)?.sync.receive(message);
    return message;
  }

  /**
   * As sendMessage, but over the socket while it is live: a SEND to the trade's chat with a
   * receipt, resolved by the RECEIPT (after the commit) and rejected by the user error naming
   * it. Over REST while the socket is down. Each try picks the way anew with the same
   * `clientMessageId`, so a send retried across a socket loss is still stored once. The message
   * itself arrives as a `message` event of a watched trade.
   */
  async send(tradeId: string, text: string, options: { clientMessageId?: string } = {}): Promise<void> {
    const message = await this.#room.send(tradeId, text, options.clientMessageId ?? newClientMessageId());
    if (message) this.#trades.get(tradeId)?.sync.receive(message);
  }

  /** Tells the other party this user read the trade's chat up to `seq` (socket or REST, retried). */
  async markRead(tradeId: string, seq: number): Promise<void> {
    await this.#room.markRead(tradeId, seq);
    this.#raiseReads(tradeId, { readSeq: seq });
  }

  /** A watched trade's read state as far as this client knows (undefined before the trade loaded). */
  readState(tradeId: string): SyncTradeReads | undefined {
    return this.#reads.get(tradeId);
  }

  /**
   * Tells the other party this user is typing: call it on every keystroke, it sends at most one
   * frame a second per trade, and only over a live socket (returns whether one went).
   */
  typing(tradeId: string): boolean {
    return this.#room.typing(tradeId);
  }

  async changeStatus(tradeId: string, status: TradeStatus): Promise<Trade> {
    return this.#acceptTrade(await this.api.changeStatus(tradeId, status));
  }

  /** ADMIN only: settles a DISPUTED trade; reported as a `status` event like any other change. */
  async resolveDispute(tradeId: string, status: DisputeResolution, reason?: string): Promise<Trade> {
    return this.#acceptTrade(await this.api.resolveDispute(tradeId, status, reason));
  }

  /** The furthest transcript chain entry seen for the trade, pushed or polled: hold it to check a transcript against (docs/transcript.md). */
  lastTranscriptHash(tradeId: string): HeldHash | undefined {
    return this.#heads.last(tradeId);
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

  // ---- the connection ----

  /** A token to connect with, or undefined after reporting that the user must log in. */
  async #validToken(): Promise<Credentials | undefined> {
    const token = await this.options.getToken();
    const expiresAt = tokenExpiry(token);
    if (expiresAt !== undefined && expiresAt <= this.deps.clock.now()) {
      this.#authRequired('expired');
      return undefined;
    }
    return { token, expiresAt };
  }

  async #connect(): Promise<void> {
    this.#cancelReconnect = undefined;
    const connection: Connection = { subscriptions: new Map(), rooms: new Map() };
    this.#current = connection;
    let credentials: Credentials | undefined;
    try {
      credentials = await this.#validToken();
    } catch {
      return this.#lost(connection, { reason: 'getToken() failed', connected: false });
    }
    if (!credentials || connection !== this.#current) return;
    this.#open(connection, credentials.token, credentials.expiresAt);
  }

  #open(connection: Connection, token: string, expiresAt: number | undefined): void {
    connection.link = this.deps.connector(
      { Authorization: `Bearer ${token}` },
      {
        onConnected: () => void this.#connected(connection, expiresAt),
        onLost: (loss) => this.#lost(connection, loss),
      },
    );
  }

  #active(connection: Connection): boolean {
    return this.#running && (connection === this.#current || connection === this.#next);
  }

  async #connected(connection: Connection, expiresAt: number | undefined): Promise<void> {
    if (!this.#active(connection)) return;
    connection.connected = true;
    if (connection === this.#current) this.#goLive();
    const sends = new ReceiptedSends(connection.link!);
    const errors = connection.link!.subscribe(userDestinations.errors, (body, headers) => sends.onUserError(body, headers));
    // Until then a refused SEND would get ERROR and the connection closed, rather than a user error.
    void errors.confirmed.then(() => (connection.sends = sends));
    const subscriptions = [
      errors,
      connection.link!.subscribe(topics.userTrades(this.options.userId), (body) => this.#onStatusBody(body)),
      connection.link!.subscribe(topics.userNotifications(this.options.userId), (body) => this.#onNotificationBody(body)),
      ...[...this.#trades].flatMap(([tradeId, watched]) => this.#subscribeTrade(connection, tradeId, watched)),
    ];
    for (const [tradeId, watched] of this.#trades) if (watched.room) this.#subscribeRoom(connection, tradeId);
    await confirmed(subscriptions);
    if (!this.#active(connection)) return;
    if (connection === this.#next) {
      // The new session receives everything now; the old one can go, and the socket was up all along.
      const old = this.#current;
      this.#current = connection;
      this.#next = undefined;
      this.#close(old);
      this.#goLive();
    }
    // Only a connection whose subscriptions were accepted resets the backoff: one that is
    // refused right after CONNECT must not turn into a reconnect loop at the base delay.
    this.#backoff.reset();
    if (expiresAt !== undefined) {
      const delay = refreshDelay(expiresAt, this.deps.clock.now());
      connection.cancelRefresh = this.deps.clock.schedule(() => void this.#refresh(connection, expiresAt), delay);
    }
    await this.#catchUpOn(connection);
  }

  /**
   * A new connection's catch-up, tried again while the connection is in use: what was committed
   * while the socket was down comes only this way, and a server busy with everyone's reconnect
   * sheds it (503) just then. The next try waits for its Retry-After, or a jittered interval.
   */
  async #catchUpOn(connection: Connection): Promise<void> {
    while (this.#running && connection === this.#current) {
      const abort = new AbortController();
      // A connection closed meanwhile needs it no more: the next one makes its own.
      connection.cancelCatchUp = () => abort.abort();
      try {
        // Fresh: what the gateway pushed before these subscriptions were in place comes only from
        // here, and the api's memory may not have heard of it yet (docs/sync.md).
        // RestApi gives up a request with no answer (STALLED_REQUEST_MS): the client is live
        // meanwhile, and nothing else would bring what was committed while the socket was down.
        await this.#catchUp({ fresh: true, signal: abort.signal });
        return;
      } catch (err) {
        if (!this.#running || connection !== this.#current) return;
        const floorMs = err instanceof ApiError ? (err.retryAfterMs ?? 0) : 0;
        const delay = Math.max(floorMs, jittered(this.#pacer.intervalMs, this.deps.random));
        const waited = await new Promise<boolean>((resolve) => {
          const cancel = this.deps.clock.schedule(() => resolve(true), delay);
          connection.cancelCatchUp = () => {
            cancel();
            resolve(false);
          };
        });
        if (!waited) return;
      }
    }
  }

  #goLive(): void {
    this.#cancelReconnect?.();
    this.#cancelReconnect = undefined;
    this.#poller.stop();
    this.#poll.abort();
    this.#live = true;
    this.#updateState();
  }

  /** Before the token runs out: a second session on a new token (make before break). */
  async #refresh(connection: Connection, expiresAt: number): Promise<void> {
    if (connection !== this.#current || this.#next) return;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch {
      return; // The session ends at expiry, and the reconnect after it asks again.
    }
    const renewed = tokenExpiry(token);
    // No newer token yet: the gateway ends the session at expiry, and the reconnect then
    // either gets one or reports auth-required.
    if (connection !== this.#current || this.#next || (renewed !== undefined && renewed <= expiresAt)) return;
    const next: Connection = { subscriptions: new Map(), rooms: new Map() };
    this.#next = next;
    this.#open(next, token, renewed);
  }

  #lost(connection: Connection, loss: LinkLoss): void {
    if (!this.#active(connection)) return;
    if (connection === this.#next) {
      // The refresh failed; the current session goes on until its token expires.
      this.#next = undefined;
      this.#close(connection);
      return;
    }
    this.#current = undefined;
    this.#close(connection);
    this.#close(this.#next);
    this.#next = undefined;
    this.#live = false;
    this.#updateState();
    const action = classifyLoss(loss);
    if (action.kind === 'auth-refused') return this.#authRequired('refused');
    this.#pacer.reset();
    this.#poller.start();
    const delay =
      action.kind === 'drain'
        ? action.delayMs + Math.floor(this.deps.random() * DRAIN_JITTER_MS)
        : action.kind === 'token-expired'
          ? 0
          : action.kind === 'slow'
            ? this.#backoff.repeat()
            : this.#backoff.next();
    this.#cancelReconnect = this.deps.clock.schedule(() => void this.#connect(), delay);
  }

  #close(connection: Connection | undefined): void {
    if (!connection) return;
    connection.cancelRefresh?.();
    connection.cancelCatchUp?.();
    // Its subscriptions die with the link; unwatchTrade must not unsubscribe them later.
    connection.subscriptions.clear();
    connection.rooms.clear();
    connection.link?.close();
  }

  /** Stops everything but keeps the feeds and cursors, for a start() to resume from. */
  #halt(): void {
    this.#running = false;
    this.#cancelReconnect?.();
    this.#cancelReconnect = undefined;
    this.#poller.stop();
    this.#poll.abort();
    this.#startUpSync?.abort();
    this.#close(this.#current);
    this.#close(this.#next);
    this.#current = undefined;
    this.#next = undefined;
    this.#live = false;
    this.#updateState();
  }

  #authRequired(reason: 'expired' | 'refused'): void {
    if (!this.#running) return;
    this.#halt();
    this.#events.emit('auth-required', { reason });
  }

  #subscribeTrade(connection: Connection, tradeId: string, watched: WatchedTrade): Subscription[] {
    const link = connection.link!;
    const subscriptions = [
      link.subscribe(topics.tradeChat(tradeId), (body) => {
        const message = parseChatMessage(body);
        if (!message) return;
        watched.sync.receive(message);
      }),
      link.subscribe(topics.trade(tradeId), (body) => this.#onStatusBody(body)),
    ];
    connection.subscriptions.set(tradeId, subscriptions);
    return subscriptions;
  }

  #subscribeRoom(connection: Connection, tradeId: string): void {
    if (connection.rooms.has(tradeId)) return;
    const link = connection.link!;
    connection.rooms.set(tradeId, [
      link.subscribe(topics.tradeRead(tradeId), (body) => this.#onReadBody(body)),
      link.subscribe(topics.tradeTyping(tradeId), (body) => this.#emitParsed('typing', parseTyping(body))),
      link.subscribe(topics.tradePresence(tradeId), (body) => this.#emitParsed('presence', parsePresence(body))),
    ]);
  }

  /** What a connection holds for the trades watched now. */
  #subscriptionCount(): number {
    let count = USER_SUBSCRIPTIONS;
    for (const watched of this.#trades.values()) count += TRADE_SUBSCRIPTIONS + (watched.room ? ROOM_SUBSCRIPTIONS : 0);
    return count;
  }

  // ---- catching up ----

  #chatSync(tradeId: string): ChatSync {
    return new ChatSync(new ChatFeed(tradeId), {
      fetchPage: this.options.sinceMode
        ? (feed, signal) => this.api.chatSince(feed.tradeId, feed.last?.timestamp, PAGE_SIZE, signal)
        : (feed, signal) => this.api.chatAfterSeq(feed.tradeId, feed.cursor, PAGE_SIZE, signal),
      pageSize: PAGE_SIZE,
      // Pushed, sent or polled: every message carries its transcript link, so each path's is held.
      deliver: (messages) => {
        for (const message of messages) {
          this.#heads.note(message);
          this.#events.emit('message', message);
        }
      },
      clock: this.deps.clock,
      retryMs: this.#pollIntervalMs,
    });
  }

  /**
   * One catch-up from every cursor: at start-up, each poll, and after each (re)connect (`fresh`).
   * Resolves whether anything was new.
   */
  async #catchUp({ wait = 0, signal, fresh = false }: { wait?: number; signal?: AbortSignal; fresh?: boolean } = {}): Promise<boolean> {
    if (this.#syncAvailable) {
      try {
        const news = await this.#rounds.run({ wait, notificationBacklog: !this.#backlogLoaded, fresh, ...(signal ? { signal } : {}) });
        this.#backlogLoaded = true;
        return news;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) this.#authRequired('refused');
        // A server from before the sync route: the per-resource routes from now on.
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        this.#syncAvailable = false;
      }
    }
    await this.#pollEachResource(signal);
    return false;
  }

  /**
   * The per-resource poll (the plan's, and a server's without sync): chat and status per trade,
   * notifications. Every part runs to its end; then the first failure worth trying again
   * (`retryable`, as for sends), if any, is the poll's, so a catch-up is tried again and a poll
   * paced as failed. A refusal (a trade no longer readable) is not: asking again would not change it.
   */
  async #pollEachResource(signal?: AbortSignal): Promise<void> {
    const outcomes = await Promise.allSettled([
      this.#syncNotifications(signal),
      ...[...this.#trades].flatMap(([tradeId, watched]) => [watched.sync.sync(), this.api.getTrade(tradeId, signal).then((trade) => this.#acceptTrade(trade))]),
    ]);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected' && retryable(o.reason));
    if (failed) throw failed.reason;
  }

  async #syncNotifications(signal?: AbortSignal): Promise<void> {
    // The first load starts from the beginning even if the socket already delivered newer ones.
    const backlog = !this.#backlogLoaded;
    const fetched = await fetchNotificationsAfter(this.api, backlog ? 0 : this.#notifications.pollAfter, PAGE_SIZE, signal);
    this.#backlogLoaded = true;
    for (const notification of fetched) this.#acceptNotification(notification, !backlog);
    this.#emitUnread();
  }

  // ---- events ----

  #onStatusBody(body: string): void {
    const event = parseStatusEvent(body);
    if (!event) return;
    this.#heads.note(event);
    this.#acceptStatus(event);
  }

  #onNotificationBody(body: string): void {
    const event = parseNotificationEvent(body);
    if (!event) return;
    this.#acceptNotification(notificationOf(event), true);
    this.#emitUnread();
  }

  #onReadBody(body: string): void {
    const receipt = parseReadReceipt(body);
    if (!receipt) return;
    this.#events.emit('read', receipt);
    const peerId = this.#trades.get(receipt.tradeId)?.peerId;
    if (receipt.userId === this.options.userId) this.#raiseReads(receipt.tradeId, { readSeq: receipt.seq });
    else if (receipt.userId === peerId) this.#raiseReads(receipt.tradeId, { peerReadSeq: receipt.seq });
  }

  /** Only a party has a read state: a mediator's room would mix the buyer's and the seller's. */
  #raiseReads(tradeId: string, reads: Partial<SyncTradeReads>): void {
    if (this.#trades.get(tradeId)?.peerId === undefined) return;
    const moved = this.#reads.raise(tradeId, reads);
    if (moved) this.#events.emit('reads', { tradeId, ...moved });
  }

  #emitParsed<K extends 'typing' | 'presence'>(event: K, payload: RealtimeEvents[K] | undefined): void {
    if (payload) this.#events.emit(event, payload);
  }

  #acceptStatus(update: TradeStatusUpdate): void {
    if (this.#statuses.accept(update)) this.#events.emit('status', update);
  }

  /** A trade read from REST: its status may be news. */
  #acceptTrade<T extends Trade>(trade: T): T {
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

function unsubscribeAll(subscriptions: Map<string, Subscription[]> | undefined, tradeId: string): void {
  for (const subscription of subscriptions?.get(tradeId) ?? []) subscription.unsubscribe();
  subscriptions?.delete(tradeId);
}

function confirmed(subscriptions: Subscription[]): Promise<void[]> {
  return Promise.all(subscriptions.map((s) => s.confirmed));
}
