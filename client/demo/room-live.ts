// The trade room's live signals: read ticks on the user's own messages, "typing…" and an online
// dot for the counterparty, and unread badges in "Your trades". A mediator (an admin who is not a
// party) has no read state, so no ticks and no receipts; they see both parties' dots and typing,
// each by name. demo.ts calls in at a few points (a trade shown, a message shown, the list
// drawn); everything else is here.
import { roleOf } from '../../src/contract/trade-transitions.js';
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

/** Whose presence the room shows: the other party to a party, both parties to a mediator. */
function shownParties(trade: TradeView, userId: string): { userId: string; role: 'buyer' | 'seller' }[] {
  const parties = [
    { userId: trade.buyerId, role: 'buyer' as const },
    { userId: trade.sellerId, role: 'seller' as const },
  ];
  return parties.filter((party) => party.userId !== userId);
}

export class RoomLive {
  /** The trade on screen: its id from the moment it is chosen, its details once loaded. */
  #tradeId: string | undefined;
  #trade: TradeView | undefined;
  /** Per trade: this user's last-read seq as last seen, to refresh the badges when it moves. */
  readonly #ownRead = new Map<string, number>();
  /** Per trade and party: whether they are online; absent = not known (socket down, or not told yet). */
  readonly #online = new Map<string, Map<string, boolean>>();
  /** Who is typing in the trade on screen, each with the timer that ends it. */
  readonly #typing = new Map<string, ReturnType<typeof setTimeout>>();
  /** Trades of the list followed in the background, so their badges move while another is open. */
  readonly #followed = new Set<string>();
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
    if (tradeId !== this.#tradeId) this.#clearTyping();
    this.#tradeId = tradeId;
    this.#trade = trade;
    this.#renderPresence();
    this.#renderTicks();
    if (trade) this.#markShownRead();
  }

  /** A chat entry of the trade on screen was drawn: own messages get a tick. */
  decorateMessage(item: HTMLElement, message: ChatMessage): void {
    if (message.senderId !== this.userId || message.isSystemMessage || !this.#isParty()) return;
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
    this.#clearTyping();
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
    if (event.userId !== this.userId && event.tradeId === this.#tradeId) this.#setTyping(event.userId, true);
  }

  #onPresence(event: PresenceEvent): void {
    if (event.userId === this.userId) return;
    let online = this.#online.get(event.tradeId);
    if (!online) this.#online.set(event.tradeId, (online = new Map()));
    online.set(event.userId, event.online);
    if (event.tradeId === this.#tradeId) this.#renderPresence();
  }

  #onMessage(message: ChatMessage): void {
    if (message.tradeId !== this.#tradeId) {
      if (message.senderId !== this.userId) this.#scheduleListRefresh();
      return;
    }
    // Their message ends their typing.
    if (message.senderId !== null && message.senderId !== this.userId) this.#setTyping(message.senderId, false);
    this.#markShownRead();
  }

  #onConnection(state: ConnectionState): void {
    if (state === 'live') return;
    // Without the socket nobody tells us who comes and goes.
    this.#online.clear();
    this.#clearTyping();
    this.#renderPresence();
  }

  // ---- actions ----

  /** The user is the trade's buyer or seller: only they have a read state (a mediator's markRead is refused). */
  #isParty(): boolean {
    return this.#trade !== undefined && roleOf(this.#trade, this.userId) !== null;
  }

  /** Everything on screen counts as read while the page is visible. */
  #markShownRead(): void {
    const tradeId = this.#tradeId;
    if (!tradeId || !this.#isParty() || document.visibilityState !== 'visible') return;
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

  /** One dot per party shown (one before the trade has loaded); a mediator's are named. */
  #renderPresence(): void {
    const trade = this.#trade;
    const online = this.#tradeId === undefined ? undefined : this.#online.get(this.#tradeId);
    const parties = trade ? shownParties(trade, this.userId) : [undefined];
    const mediating = !this.#isParty() && trade !== undefined;
    this.ui.presence.replaceChildren(
      ...parties.flatMap((party) => {
        const state = party ? online?.get(party.userId) : undefined;
        const who = party ? (mediating ? `${party.role} ${party.userId}` : party.userId) : 'the other party';
        const dot = document.createElement('span');
        dot.className = 'presence';
        dot.dataset.testid = 'presence-dot';
        if (party) dot.dataset.userId = party.userId;
        dot.dataset.online = state === undefined ? 'unknown' : String(state);
        dot.title = state === undefined ? `Not known whether ${who} is online` : `${who} is ${state ? 'online' : 'offline'}`;
        if (!mediating || !party) return [dot];
        const name = document.createElement('span');
        name.className = 'presence-name';
        name.textContent = party.role;
        return [dot, name];
      }),
    );
  }

  /** A party is shown by their id (with their side to a mediator), anyone else as the mediator. */
  #nameOf(userId: string): string {
    const trade = this.#trade;
    const role = trade?.buyerId === userId ? 'buyer' : trade?.sellerId === userId ? 'seller' : undefined;
    if (!role) return trade ? `Mediator ${userId}` : userId;
    return this.#isParty() ? userId : `${userId} (${role})`;
  }

  /** Typing frames come while someone types: each shows them for a while, their message or silence ends it. */
  #setTyping(userId: string, typing: boolean): void {
    clearTimeout(this.#typing.get(userId));
    this.#typing.delete(userId);
    if (typing)
      this.#typing.set(
        userId,
        setTimeout(() => this.#setTyping(userId, false), TYPING_SHOWN_MS),
      );
    this.#renderTyping();
  }

  #clearTyping(): void {
    for (const timer of this.#typing.values()) clearTimeout(timer);
    this.#typing.clear();
    this.#renderTyping();
  }

  #renderTyping(): void {
    const names = [...this.#typing.keys()].map((userId) => this.#nameOf(userId));
    this.ui.typing.hidden = names.length === 0;
    this.ui.typing.textContent = names.length > 1 ? `${names.join(' and ')} are typing…` : names.length ? `${names[0]} is typing…` : '';
  }
}
