import type { ChatFeed } from './chat-feed.js';
import type { Clock } from './clock.js';
import type { ChatMessage } from './wire.js';

export interface ChatSyncOptions {
  /**
   * One REST page of messages after the feed's cursor (by seq, or by timestamp in the plan's
   * mode); `signal` abandons it when the sync is closed. RestApi gives up one with no answer
   * (STALLED_REQUEST_MS), which is then tried again as a failed one is: it would otherwise hold
   * every later fetch of this trade.
   */
  fetchPage: (feed: ChatFeed, signal: AbortSignal) => Promise<ChatMessage[]>;
  /** The page size fetchPage asks for: a full page means there may be more. */
  pageSize: number;
  /** Receives newly deliverable messages, in order. */
  deliver: (messages: ChatMessage[]) => void;
  clock: Clock;
  /** After a failed fetch, how long until messages held behind a gap are fetched for again. */
  retryMs: number;
}

/**
 * Keeps one trade's ChatFeed complete from REST: catch-up after a reconnect, each poll, and
 * filling a gap seen on the socket. Fetches never overlap; a request made during one is
 * served by one more fetch after it, because it may be waiting for something newer.
 */
export class ChatSync {
  #inFlight: Promise<void> | undefined;
  #again = false;
  #cancelRetry: (() => void) | undefined;
  #abort: AbortController | undefined;
  #closed = false;

  constructor(
    readonly feed: ChatFeed,
    private readonly options: ChatSyncOptions,
  ) {}

  /** A message pushed by the socket or returned by a send. A gap before it is fetched at once. */
  receive(message: ChatMessage): void {
    this.options.deliver(this.feed.receive(message));
    // While a fetch runs, it checks for gaps itself when it ends.
    if (this.feed.hasGap && !this.#inFlight) void this.sync();
  }

  /** Fetches from the cursor until caught up. */
  sync(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#cancelRetry?.();
    const run = this.#run().finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = run;
    // Held messages would otherwise wait for a poll that, while the socket is live, never comes.
    run.catch(() => {
      if (this.feed.hasGap && !this.#closed) this.#cancelRetry = this.options.clock.schedule(() => void this.sync(), this.options.retryMs);
    });
    return run;
  }

  /**
   * A page fetched by someone else (a sync over every trade), complete up to `settledThrough`
   * (see ChatFeed.settle).
   */
  apply(page: readonly ChatMessage[], settledThrough: number): void {
    if (this.#closed) return;
    this.options.deliver(this.feed.settle(page, settledThrough));
  }

  close(): void {
    this.#closed = true;
    this.#cancelRetry?.();
    this.#abort?.abort();
  }

  async #run(): Promise<void> {
    let full: boolean;
    do {
      this.#again = false;
      // Every message held now was committed before this fetch starts, and seq follows commit
      // order, so the answer covers every seq below them: what it lacks is the other side's.
      const horizon = this.feed.horizon;
      this.#abort = new AbortController();
      const page = await this.options.fetchPage(this.feed, this.#abort.signal);
      if (this.#closed) return;
      const lastSeq = page.at(-1)?.seq ?? 0;
      full = page.length >= this.options.pageSize;
      this.options.deliver(this.feed.settle(page, full ? lastSeq : Math.max(horizon, lastSeq)));
      // A message still held arrived during the fetch, so its gap is not covered yet.
    } while (full || this.#again || this.feed.hasGap);
  }
}
