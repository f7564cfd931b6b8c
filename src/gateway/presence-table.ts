import type { GatewayPresenceEvent, TradeParty } from '../contract/events.js';

// Trade ids are UUIDs and user ids have no spaces (contract/ids.ts), so a space separates them.
const keyOf = (party: TradeParty) => `${party.tradeId} ${party.userId}`;
const partyOf = (key: string): TradeParty => {
  const at = key.indexOf(' ');
  return { tradeId: key.slice(0, at), userId: key.slice(at + 1) };
};

export interface PresenceTableEvents {
  /** A party went online (held by some gateway) or offline (by none) as far as this gateway knows. */
  changed(party: TradeParty, online: boolean): void;
  /** This gateway started or stopped holding a party: tell the other gateways. */
  held(party: TradeParty, held: boolean): void;
}

interface LocalHold {
  subscriptions: number;
  /** Set while the last subscription is gone but the grace period has not run out. */
  release: NodeJS.Timeout | undefined;
}

/**
 * Who is online where, as one gateway sees it: the parties it holds itself (a chat subscription
 * here, or the grace period after the last one), and what each other gateway last said it holds,
 * which lapses after that gateway's TTL unless renewed. A party is online while any gateway holds
 * it. Every gateway hears the same messages, so every gateway derives the same changes.
 */
export class PresenceTable {
  readonly #local = new Map<string, LocalHold>();
  readonly #remote = new Map<string, { keys: Set<string>; lapse: NodeJS.Timeout }>();
  /** How many gateways (this one included) hold each party; absent = none. */
  readonly #holders = new Map<string, number>();

  constructor(
    private readonly graceMs: number,
    private readonly events: PresenceTableEvents,
  ) {}

  isOnline(party: TradeParty): boolean {
    return this.#holders.has(keyOf(party));
  }

  /** Parties held here (grace periods included), and other gateways heard from within their TTL. */
  counts(): { held: number; peers: number } {
    return { held: this.#local.size, peers: this.#remote.size };
  }

  /** The parties this gateway holds, grace periods included. */
  held(): TradeParty[] {
    return [...this.#local.keys()].map(partyOf);
  }

  subscribed(party: TradeParty): void {
    const key = keyOf(party);
    const hold = this.#local.get(key);
    if (hold) {
      hold.subscriptions++;
      clearTimeout(hold.release);
      hold.release = undefined;
      return;
    }
    this.#local.set(key, { subscriptions: 1, release: undefined });
    this.#count(key, +1);
    this.events.held(party, true);
  }

  /** After the grace period, unless the party subscribes here again first. */
  unsubscribed(party: TradeParty): void {
    const key = keyOf(party);
    const hold = this.#local.get(key);
    if (!hold || --hold.subscriptions > 0) return;
    hold.release = setTimeout(() => {
      this.#local.delete(key);
      this.#count(key, -1);
      this.events.held(party, false);
    }, this.graceMs);
    hold.release.unref();
  }

  /** What another gateway said; its holdings lapse `ttlMs` from now unless it speaks again. */
  applyRemote(message: GatewayPresenceEvent): void {
    let view = this.#remote.get(message.gatewayId);
    if (view) clearTimeout(view.lapse);
    else this.#remote.set(message.gatewayId, (view = { keys: new Set(), lapse: undefined as unknown as NodeJS.Timeout }));
    const { keys } = view;
    const held = message.held.map(keyOf);
    if (message.snapshot) {
      const now = new Set(held);
      for (const key of keys) if (!now.has(key)) this.#drop(keys, key);
    } else {
      for (const key of message.released.map(keyOf)) this.#drop(keys, key);
    }
    for (const key of held) {
      if (keys.has(key)) continue;
      keys.add(key);
      this.#count(key, +1);
    }
    view.lapse = setTimeout(() => this.#forget(message.gatewayId), message.ttlMs);
    view.lapse.unref();
  }

  /** Stops every timer and forgets everything, announcing nothing. */
  close(): void {
    for (const hold of this.#local.values()) clearTimeout(hold.release);
    for (const view of this.#remote.values()) clearTimeout(view.lapse);
    this.#local.clear();
    this.#remote.clear();
    this.#holders.clear();
  }

  /** A gateway that fell silent (killed, or cut off from the broker): its parties go. */
  #forget(gatewayId: string): void {
    const view = this.#remote.get(gatewayId);
    if (!view) return;
    this.#remote.delete(gatewayId);
    for (const key of view.keys) this.#count(key, -1);
  }

  #drop(keys: Set<string>, key: string): void {
    if (keys.delete(key)) this.#count(key, -1);
  }

  #count(key: string, delta: 1 | -1): void {
    const before = this.#holders.get(key) ?? 0;
    const after = before + delta;
    if (after > 0) this.#holders.set(key, after);
    else this.#holders.delete(key);
    if (before === 0 || after === 0) this.events.changed(partyOf(key), after > 0);
  }
}
