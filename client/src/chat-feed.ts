import type { ChatMessage } from './wire.js';

/**
 * One trade's chat as this user sees it, delivered in seq order with each message once.
 *
 * The cursor is the highest seq that is settled: every message up to it that this user can
 * see has been delivered. Seq has no gaps on the server, but this user's view does: a system
 * message for the other side is never shown to this one. So a message ahead of the cursor is
 * held back until REST says what lies before it (`settle`), rather than until the missing
 * seq turns up, which for such a message it never would.
 */
export class ChatFeed {
  readonly #delivered: ChatMessage[] = [];
  readonly #ids = new Set<string>();
  /** Received but not deliverable yet: seq > cursor + 1, waiting for what precedes it. */
  readonly #held = new Map<number, ChatMessage>();
  #cursor = 0;

  constructor(readonly tradeId: string) {}

  get cursor(): number {
    return this.#cursor;
  }

  /** The last delivered message: its timestamp is the plan's `since` cursor. */
  get last(): ChatMessage | undefined {
    return this.#delivered.at(-1);
  }

  get messages(): readonly ChatMessage[] {
    return this.#delivered;
  }

  /** A received message waits for an earlier seq: REST must say whether that one exists. */
  get hasGap(): boolean {
    return this.#held.size > 0;
  }

  /** The highest seq received so far. */
  get horizon(): number {
    return Math.max(this.#cursor, ...this.#held.keys());
  }

  /** A message from the socket (or a send's response). Returns what is now deliverable, in order. */
  receive(message: ChatMessage): ChatMessage[] {
    this.#hold(message);
    return this.#release(this.#cursor);
  }

  /**
   * A REST answer for messages after the cursor. `settledThrough` is the seq up to which the
   * answer is complete: nothing this user can see up to it is missing, so every seq below it
   * that is still absent belongs to the other side and is skipped. Returns what is now
   * deliverable, in order.
   */
  settle(fetched: readonly ChatMessage[], settledThrough: number): ChatMessage[] {
    for (const message of fetched) this.#hold(message);
    return this.#release(settledThrough);
  }

  #hold(message: ChatMessage): void {
    if (message.tradeId !== this.tradeId || this.#ids.has(message.id) || message.seq <= this.#cursor) return;
    this.#held.set(message.seq, message);
  }

  /** Delivers every held message up to `through`, then any that follow on without a gap. */
  #release(through: number): ChatMessage[] {
    const released: ChatMessage[] = [];
    const deliver = (message: ChatMessage) => {
      this.#held.delete(message.seq);
      this.#ids.add(message.id);
      this.#delivered.push(message);
      this.#cursor = message.seq;
      released.push(message);
    };
    for (const seq of [...this.#held.keys()].filter((s) => s <= through).sort((a, b) => a - b)) deliver(this.#held.get(seq)!);
    this.#cursor = Math.max(this.#cursor, through);
    for (let next = this.#held.get(this.#cursor + 1); next; next = this.#held.get(this.#cursor + 1)) deliver(next);
    return released;
  }
}
