// The trade room's live signals: read ticks on the user's own messages, "typing…" and an online
// dot for the counterparty, and unread badges in "Your trades". demo.ts calls in at a few points
// (a trade shown, a message shown, the list drawn); everything else is here.
import type { ChatMessage, ConnectionState, PresenceEvent, RealtimeClient, RealtimeEvents, TradeView, TypingEvent } from '../src/index.js';

// Typing frames come about once a second while the other party types: a gap of a few means they stopped.
const TYPING_SHOWN_MS = 3000;
// A burst of background messages refreshes the list once.
const LIST_REFRESH_DELAY_MS = 300;

export interface RoomLiveUi {
  chatList: HTMLElement;
  chatInput: HTMLInputElement;
  presence: HTMLElement;
  typing: HTMLElement;
}

/** The trade's other party, as this user sees it. */
function counterpartyOf(trade: TradeView, userId: string): string {
  return trade.buyerId === userId ? trade.sellerId : trade.buyerId;
}

export class RoomLive {
  /** The trade on screen: its id from the moment it is chosen, its details once loaded. */
  #tradeId: string | undefined;
  #trade: TradeView | undefined;
  /** Per trade: this user's last-read seq as last seen, to refresh the badges when it moves. */
  readonly #ownRead = new Map<string, number>();
  /** Per trade: whether the other party is online; absent = not known (socket down, or not told yet). */
  readonly #online = new Map<string, boolean>();
  /** Trades of the list followed in the background, so their badges move while another is open. */
  readonly #followed = new Set<string>();
  #hideTyping: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #dom = new AbortController();

  constructor(
    private readonly client: RealtimeClient,
    private readonly userId: string,
    private readonly ui: RoomLiveUi,
    /** Reloads "Your trades" from the server (its unread counts are the truth, across devices). */
    private readonly refreshList: () => void,
  ) {
    client.on('reads', (event) => this.#onReads(event));
    client.on('typing', (event) => this.#onTyping(event));
    client.on('presence', (event) => this.#onPresence(event));
    client.on('message', (message) => this.#onMessage(message));
    client.on('connection', (state) => this.#onConnection(state));
    const signal = this.#dom.signal;
    ui.chatInput.addEventListener('input', () => this.#tradeId && client.typing(this.#tradeId), { signal });
    document.addEventListener('visibilitychange', () => this.#markShownRead(), { signal });
  }

  /** The trade on screen is left: followed in the background if listed, else no longer at all. */
  leave(tradeId: string): void {
    if (this.#followed.has(tradeId)) this.client.leaveRoom(tradeId);
    else this.client.unwatchTrade(tradeId);
  }

  /** A trade was chosen (`trade` undefined while it loads), or none is shown. */
  show(tradeId: string | undefined, trade?: TradeView): void {
    if (tradeId !== this.#tradeId) this.#setTyping(false);
    this.#tradeId = tradeId;
    this.#trade = trade;
    this.#renderPresence();
    this.#renderTicks();
    if (trade) this.#markShownRead();
  }

  /** A chat entry of the trade on screen was drawn: own messages get a tick. */
  decorateMessage(item: HTMLElement, message: ChatMessage): void {
    if (message.senderId !== this.userId || message.isSystemMessage) return;
    const tick = document.createElement('span');
    tick.className = 'tick';
    tick.dataset.testid = 'read-tick';
    item.querySelector('.meta')?.append(tick);
    this.#renderTick(item);
  }

  /** A trade of "Your trades" was drawn: its badge, from the server's count. */
  decorateTradeItem(item: HTMLElement, trade: TradeView): void {
    const unread = trade.unread ?? 0;
    const badge = document.createElement('span');
    badge.className = 'unread';
    badge.dataset.testid = 'unread-badge';
    badge.textContent = String(unread);
    badge.title = `${unread} unread`;
    badge.hidden = unread === 0;
    item.querySelector('button')?.after(badge);
  }

  /**
   * "Your trades" was loaded: its trades are followed in the background, so their badges move;
   * a trade that left the list is no longer (the one on screen once it is left). The list is
   * short, so this stays well within the connection's subscriptions.
   */
  followListed(trades: readonly TradeView[]): void {
    const listed = new Set(trades.map((trade) => trade.id));
    for (const tradeId of this.#followed) {
      if (listed.has(tradeId)) continue;
      this.#followed.delete(tradeId);
      if (tradeId !== this.#tradeId) this.client.unwatchTrade(tradeId);
    }
    for (const tradeId of listed) {
      if (this.#followed.has(tradeId)) continue;
      this.#followed.add(tradeId);
      this.client.watchTrade(tradeId).then(
        // Dropped from the list while it loaded.
        () => !this.#followed.has(tradeId) && tradeId !== this.#tradeId && this.client.unwatchTrade(tradeId),
        () => this.#followed.delete(tradeId),
      );
    }
  }

  stop(): void {
    this.#dom.abort();
    clearTimeout(this.#hideTyping);
    clearTimeout(this.#refreshTimer);
  }

  // ---- events ----

  #onReads(event: RealtimeEvents['reads']): void {
    // Read here or on another device of this user: that trade's badge goes.
    if (event.readSeq !== this.#ownRead.get(event.tradeId)) {
      this.#ownRead.set(event.tradeId, event.readSeq);
      this.#scheduleListRefresh();
    }
    if (event.tradeId === this.#tradeId) this.#renderTicks();
  }

  #onTyping(event: TypingEvent): void {
    if (event.userId !== this.userId && event.tradeId === this.#tradeId) this.#setTyping(true);
  }

  #onPresence(event: PresenceEvent): void {
    if (event.userId === this.userId) return;
    this.#online.set(event.tradeId, event.online);
    if (event.tradeId === this.#tradeId) this.#renderPresence();
  }

  #onMessage(message: ChatMessage): void {
    if (message.tradeId !== this.#tradeId) {
      if (message.senderId !== this.userId) this.#scheduleListRefresh();
      return;
    }
    // Their message ends their typing.
    if (message.senderId !== this.userId) this.#setTyping(false);
    this.#markShownRead();
  }

  #onConnection(state: ConnectionState): void {
    if (state === 'live') return;
    // Without the socket nobody tells us who comes and goes.
    this.#online.clear();
    this.#setTyping(false);
    this.#renderPresence();
  }

  // ---- actions ----

  /** Everything on screen counts as read while the page is visible. */
  #markShownRead(): void {
    const tradeId = this.#tradeId;
    if (!tradeId || !this.#trade || document.visibilityState !== 'visible') return;
    // Up to their latest: marking the user's own messages would tell the other party nothing.
    const last = [...this.client.messages(tradeId)].reverse().find((m) => m.senderId !== this.userId);
    if (!last) return;
    // A failure leaves the badge until a later read goes through.
    this.client.markRead(tradeId, last.seq).catch(() => undefined);
  }

  #scheduleListRefresh(): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(this.refreshList, LIST_REFRESH_DELAY_MS);
  }

  // ---- drawing ----

  #renderTicks(): void {
    for (const item of this.ui.chatList.querySelectorAll<HTMLElement>('[data-mine="true"]')) this.#renderTick(item);
  }

  #renderTick(item: HTMLElement): void {
    const tick = item.querySelector<HTMLElement>('[data-testid="read-tick"]');
    if (!tick || !this.#tradeId) return;
    const read = Number(item.dataset.seq) <= (this.client.readState(this.#tradeId)?.peerReadSeq ?? 0);
    tick.dataset.read = String(read);
    tick.textContent = read ? '✓✓' : '✓';
    tick.title = read ? 'Seen' : 'Sent';
  }

  #renderPresence(): void {
    const online = this.#tradeId === undefined ? undefined : this.#online.get(this.#tradeId);
    const who = this.#trade ? counterpartyOf(this.#trade, this.userId) : 'the other party';
    this.ui.presence.dataset.online = online === undefined ? 'unknown' : String(online);
    this.ui.presence.title = online === undefined ? `Not known whether ${who} is online` : `${who} is ${online ? 'online' : 'offline'}`;
  }

  #setTyping(shown: boolean): void {
    clearTimeout(this.#hideTyping);
    this.ui.typing.hidden = !shown;
    if (!shown) return;
    this.ui.typing.textContent = `${this.#trade ? counterpartyOf(this.#trade, this.userId) : 'The other party'} is typing…`;
    this.#hideTyping = setTimeout(() => this.#setTyping(false), TYPING_SHOWN_MS);
  }
}
