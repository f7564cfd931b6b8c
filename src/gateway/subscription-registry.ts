import { randomBytes } from 'node:crypto';
import { encodeHeaderLine, encodeMessageParts } from '../protocol/stomp/encoder.js';
import type { StompVersion } from '../protocol/stomp/frame.js';
import type { SenderRole, TradeRole } from '../contract/trade-status.js';
import { PreEncodedFrame } from '../transport/client-connection.js';

/**
 * Where a subscriber's MESSAGE frames go (a STOMP session). Must not throw. A frame is a whole
 * MESSAGE, encoded by the registry for one publication and handed, the same value, to every
 * subscriber whose `subscription` header (and version) it carries: a sink writes it as is.
 */
export interface MessageSink {
  deliver(frame: PreEncodedFrame): void;
}

export interface Subscriber {
  readonly sink: MessageSink;
  readonly version: StompVersion;
  /**
   * `subscription:<id>\n`, encoded once at SUBSCRIBE for the session's version; from
   * subscriptionHeader(), so that subscribers with equal ids share it and their frames.
   */
  readonly subscriptionHeader: Buffer;
  /** The subscriber's role in the trade, where the destination belongs to one (a MEDIATOR sees either side's messages). */
  readonly role: SenderRole | null;
  /** The session's user. */
  readonly userId: string;
}

/** Told of every subscription added and removed (presence follows chat subscriptions). Must not throw. */
export interface SubscriptionObserver {
  added(destination: string, subscriber: Subscriber): void;
  removed(destination: string, subscriber: Subscriber): void;
}

/**
 * A copy of a string that shares no memory with it. A header value parsed from a client's frame
 * is a slice of the whole header line; the registry keeps destinations as long as anyone
 * subscribes, so it keeps a string of its own rather than the client's line.
 */
function flatCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** One message for every subscriber of a destination, or only for one side of its trade. */
export interface Publication {
  destination: string;
  body: Buffer;
  audience: TradeRole | null;
}

// Distinct (version, id) header lines kept for sharing; past this the table starts over, which
// costs only sharing, never correctness.
const MAX_SHARED_HEADERS = 4096;

/**
 * Destination → subscribers. Publishing costs one lookup plus the subscribers actually
 * reached. Only the `subscription` header differs from one subscriber to the next, and clients
 * number their subscriptions alike (stompjs: sub-0, sub-1, ...), so a publication encodes one
 * frame per distinct header and hands that same PreEncodedFrame to every subscriber using it.
 */
export class SubscriptionRegistry {
  readonly #byDestination = new Map<string, { destination: string; header: string; subscribers: Set<Subscriber> }>();
  readonly #headers = new Map<string, Buffer>();
  // message-id is unique per frame this process sends to a destination; the prefix keeps ids
  // of different gateway instances apart.
  readonly #idPrefix = randomBytes(4).toString('hex');
  #nextId = 0;
  #size = 0;
  #observer: SubscriptionObserver | undefined;

  observe(observer: SubscriptionObserver): void {
    this.#observer = observer;
  }

  /** Subscriptions held, over all destinations. */
  get size(): number {
    return this.#size;
  }

  /**
   * The `subscription` header line for an id: the same Buffer for every subscriber using that
   * id. Throws RangeError like encodeHeaderLine.
   */
  subscriptionHeader(id: string, version: StompVersion): Buffer {
    const key = `${version}:${id}`;
    let header = this.#headers.get(key);
    if (!header) {
      header = encodeHeaderLine('subscription', id, version);
      if (this.#headers.size >= MAX_SHARED_HEADERS) this.#headers.clear();
      this.#headers.set(key, header);
    }
    return header;
  }

  /**
   * Returns the registry's own string for the destination, one per destination however many
   * subscribe. `header` is the MESSAGE frames' `destination`: the destination itself, except for
   * a user destination (`/user/queue/...`), filed under its user's key but named as subscribed.
   */
  add(destination: string, subscriber: Subscriber, header = destination): string {
    let entry = this.#byDestination.get(destination);
    if (!entry) {
      const own = flatCopy(destination);
      this.#byDestination.set(own, (entry = { destination: own, header: header === destination ? own : header, subscribers: new Set() }));
    }
    if (!entry.subscribers.has(subscriber)) {
      this.#size++;
      entry.subscribers.add(subscriber);
      this.#observer?.added(entry.destination, subscriber);
    }
    return entry.destination;
  }

  remove(destination: string, subscriber: Subscriber): void {
    const entry = this.#byDestination.get(destination);
    if (!entry?.subscribers.delete(subscriber)) return;
    this.#size--;
    if (entry.subscribers.size === 0) this.#byDestination.delete(destination);
    this.#observer?.removed(destination, subscriber);
  }

  /** One message for one subscriber only, if it is still subscribed (the state a new subscriber starts from). */
  deliverTo(subscriber: Subscriber, destination: string, body: Buffer): void {
    const entry = this.#byDestination.get(destination);
    if (!entry?.subscribers.has(subscriber)) return;
    const { head, tail } = encodeMessageParts(entry.header, this.nextMessageId(), 'application/json', body, subscriber.version);
    subscriber.sink.deliver(new PreEncodedFrame(Buffer.concat([head, subscriber.subscriptionHeader, tail])));
  }

  /** A `message-id` no other frame of this process carries. */
  nextMessageId(): string {
    return `${this.#idPrefix}-${(this.#nextId++).toString(36)}`;
  }

  /** Returns how many subscribers the message was handed to. */
  publish({ destination, body, audience }: Publication): number {
    const entry = this.#byDestination.get(destination);
    if (!entry) return 0;
    const { subscribers, header } = entry;
    const messageId = this.nextMessageId();
    const parts = new Map<StompVersion, { head: Buffer; tail: Buffer }>();
    // Keyed by header Buffer: interned per (version, id), so one entry per distinct frame.
    const frames = new Map<Buffer, PreEncodedFrame>();
    let delivered = 0;
    // A sink may drop its own subscriptions while we iterate (a slow client); Set iteration allows that.
    for (const subscriber of subscribers) {
      if (audience !== null && subscriber.role !== audience && subscriber.role !== 'MEDIATOR') continue;
      let frame = frames.get(subscriber.subscriptionHeader);
      if (!frame) {
        let shared = parts.get(subscriber.version);
        if (!shared) parts.set(subscriber.version, (shared = encodeMessageParts(header, messageId, 'application/json', body, subscriber.version)));
        frames.set(subscriber.subscriptionHeader, (frame = new PreEncodedFrame(Buffer.concat([shared.head, subscriber.subscriptionHeader, shared.tail]))));
      }
      subscriber.sink.deliver(frame);
      delivered++;
    }
    return delivered;
  }
}
