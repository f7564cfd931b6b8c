import type { LinkLoss, StompConnector, StompLink, StompLinkHandlers, Subscription } from '../../../client/src/stomp-link.js';

/** One connection attempt, driven by the test: connect(), lose(), push(). */
export class FakeLink implements StompLink {
  readonly subscriptions = new Map<string, (body: string) => void>();
  closed = false;
  connected = false;

  constructor(
    readonly headers: Record<string, string>,
    private readonly handlers: StompLinkHandlers,
    /** false: the server never confirms a subscription (it refuses them, or is stuck). */
    private readonly confirms: boolean,
  ) {}

  subscribe(destination: string, onBody: (body: string) => void): Subscription {
    this.subscriptions.set(destination, onBody);
    const confirmed = this.confirms ? Promise.resolve() : new Promise<void>(() => {});
    return { confirmed, unsubscribe: () => this.subscriptions.delete(destination) };
  }

  close(): void {
    this.closed = true;
  }

  connect(): void {
    this.connected = true;
    this.handlers.onConnected();
  }

  /** The connection ends; `code`/`closeReason` as the server's close frame would carry them. */
  lose(loss: Partial<LinkLoss> = {}): void {
    this.handlers.onLost({ reason: 'test', connected: this.connected, ...loss });
  }

  /** Delivers a MESSAGE on a destination this link subscribed to. */
  push(destination: string, payload: object): void {
    const onBody = this.subscriptions.get(destination);
    if (!onBody) throw new Error(`not subscribed to ${destination}`);
    onBody(JSON.stringify(payload));
  }
}

export class FakeBroker {
  readonly links: FakeLink[] = [];
  /** Whether links made from now on confirm their subscriptions. */
  confirms = true;

  readonly connector: StompConnector = (headers, handlers) => {
    const link = new FakeLink(headers, handlers, this.confirms);
    this.links.push(link);
    return link;
  };

  get current(): FakeLink {
    const link = this.links.at(-1);
    if (!link) throw new Error('no connection attempt yet');
    return link;
  }
}
