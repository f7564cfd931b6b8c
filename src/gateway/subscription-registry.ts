import { randomBytes } from 'node:crypto';
import { encodeMessageParts } from '../protocol/stomp/encoder.js';
import type { StompVersion } from '../protocol/stomp/frame.js';
import type { TradeRole } from '../events/events.js';

/** Where a subscriber's MESSAGE frames go (a STOMP session). Must not throw. */
export interface MessageSink {
  deliver(frame: Buffer): void;
}

export interface Subscriber {
  readonly sink: MessageSink;
  readonly version: StompVersion;
  /** `subscription:<id>\n`, encoded once at SUBSCRIBE for the session's version. */
  readonly subscriptionHeader: Buffer;
  /** The subscriber's side of the trade, where the destination belongs to one. */
  readonly role: TradeRole | null;
}

/** One message for every subscriber of a destination, or only for one side of its trade. */
export interface Publication {
  destination: string;
  body: Buffer;
  audience: TradeRole | null;
}

/**
 * Destination → subscribers. Publishing costs one lookup plus the subscribers actually
 * reached, and encodes the frame once per protocol version: only the `subscription` header
 * differs from one subscriber to the next.
 */
export class SubscriptionRegistry {
  readonly #byDestination = new Map<string, Set<Subscriber>>();
  // message-id is unique per frame this process sends to a destination; the prefix keeps ids
  // of different gateway instances apart.
  readonly #idPrefix = randomBytes(4).toString('hex');
  #nextId = 0;
  #size = 0;

  /** Subscriptions held, over all destinations. */
  get size(): number {
    return this.#size;
  }

  add(destination: string, subscriber: Subscriber): void {
    let subscribers = this.#byDestination.get(destination);
    if (!subscribers) this.#byDestination.set(destination, (subscribers = new Set()));
    if (!subscribers.has(subscriber)) this.#size++;
    subscribers.add(subscriber);
  }

  remove(destination: string, subscriber: Subscriber): void {
    const subscribers = this.#byDestination.get(destination);
    if (!subscribers?.delete(subscriber)) return;
    this.#size--;
    if (subscribers.size === 0) this.#byDestination.delete(destination);
  }

  /** Returns how many subscribers the message was handed to. */
  publish({ destination, body, audience }: Publication): number {
    const subscribers = this.#byDestination.get(destination);
    if (!subscribers) return 0;
    const messageId = `${this.#idPrefix}-${(this.#nextId++).toString(36)}`;
    const encoded = new Map<StompVersion, { head: Buffer; tail: Buffer }>();
    let delivered = 0;
    // A sink may drop its own subscriptions while we iterate (a slow client); Set iteration allows that.
    for (const subscriber of subscribers) {
      if (audience !== null && subscriber.role !== audience) continue;
      let parts = encoded.get(subscriber.version);
      if (!parts) encoded.set(subscriber.version, (parts = encodeMessageParts(destination, messageId, 'application/json', body, subscriber.version)));
      subscriber.sink.deliver(Buffer.concat([parts.head, subscriber.subscriptionHeader, parts.tail]));
      delivered++;
    }
    return delivered;
  }
}
