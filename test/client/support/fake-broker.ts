import type { LinkLoss, MessageHeaders, StompConnector, StompLink, StompLinkHandlers, Subscription } from '../../../client/src/stomp-link.js';

/** A SEND the client made; `receipt()` answers it as the server would after the commit. */
export interface SentFrame {
  destination: string;
  body: string;
  receipt: string | undefined;
}

/** One connection attempt, driven by the test: connect(), lose(), push(), receipt(). */
export class FakeLink implements StompLink {
  readonly subscriptions = new Map<string, (body: string, headers: MessageHeaders) => void>();
  readonly sent: SentFrame[] = [];
  readonly #awaiting = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  closed = false;
  connected = false;

  constructor(
    readonly headers: Record<string, string>,
    private readonly handlers: StompLinkHandlers,
    /** false: the server never confirms a subscription (it refuses them, or is stuck). */
    private readonly confirms: boolean,
    /** The gateway's per-connection limit: one subscription more is ERROR and close (1008). */
    private readonly maxSubscriptions = Infinity,
  ) {}

  subscribe(destination: string, onMessage: (body: string, headers: MessageHeaders) => void): Subscription {
    if (this.subscriptions.size >= this.maxSubscriptions && !this.closed) {
      const errorMessage = `at most ${this.maxSubscriptions} subscriptions per connection`;
      this.closed = true;
      this.lose({ reason: `ERROR frame: ${errorMessage}`, errorMessage, code: 1008 });
      return { confirmed: new Promise<void>(() => {}), unsubscribe: () => {} };
    }
    this.subscriptions.set(destination, onMessage);
    const confirmed = this.confirms ? Promise.resolve() : new Promise<void>(() => {});
    return { confirmed, unsubscribe: () => this.subscriptions.delete(destination) };
  }

  send(destination: string, body: string, receipt?: string): Promise<void> {
    this.sent.push({ destination, body, receipt });
    if (receipt === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.#awaiting.set(receipt, { resolve, reject }));
  }

  refused(receipt: string, error: Error): void {
    this.#awaiting.get(receipt)?.reject(error);
    this.#awaiting.delete(receipt);
  }

  /** SENDs still waiting for their RECEIPT (or refusal), by receipt. */
  get awaitingReceipts(): string[] {
    return [...this.#awaiting.keys()];
  }

  /** The server's RECEIPT for a SEND. */
  receipt(receipt: string | undefined): void {
    this.#awaiting.get(receipt ?? '')?.resolve();
    this.#awaiting.delete(receipt ?? '');
  }

  close(): void {
    this.closed = true;
    this.#endSends();
  }

  #endSends(): void {
    for (const { reject } of this.#awaiting.values()) reject(new Error('the connection ended'));
    this.#awaiting.clear();
  }

  connect(): void {
    this.connected = true;
    this.handlers.onConnected();
  }

  /** The connection ends; `code`/`closeReason` as the server's close frame would carry them. */
  lose(loss: Partial<LinkLoss> = {}): void {
    this.#endSends();
    this.handlers.onLost({ reason: 'test', connected: this.connected, ...loss });
  }

  /** Delivers a MESSAGE on a destination this link subscribed to. */
  push(destination: string, payload: object, headers: MessageHeaders = {}): void {
    const onMessage = this.subscriptions.get(destination);
    if (!onMessage) throw new Error(`not subscribed to ${destination}`);
    onMessage(JSON.stringify(payload), headers);
  }

  /** The SENDs made so far to `destination`. */
  sentTo(destination: string): SentFrame[] {
    return this.sent.filter((frame) => frame.destination === destination);
  }
}

export class FakeBroker {
  readonly links: FakeLink[] = [];
  /** Whether links made from now on confirm their subscriptions. */
  confirms = true;
  /** As GATEWAY_MAX_SUBSCRIPTIONS: links made from now on end with ERROR past this many. */
  maxSubscriptions = Infinity;

  readonly connector: StompConnector = (headers, handlers) => {
    const link = new FakeLink(headers, handlers, this.confirms, this.maxSubscriptions);
    this.links.push(link);
    return link;
  };

  get current(): FakeLink {
    const link = this.links.at(-1);
    if (!link) throw new Error('no connection attempt yet');
    return link;
  }
}
