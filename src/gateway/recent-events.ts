/**
 * The ids of the events pushed lately. Delivery from the outbox through RabbitMQ is
 * at-least-once (a publish retried after a lost confirm, a redelivery after a broker restart),
 * so the gateway drops an event it has already pushed rather than show it to clients twice.
 * Bounded: the oldest id goes first; duplicates arrive within seconds, not after 10,000 events.
 */
export class RecentEvents {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time an id is seen (and remembers it), false for a repeat. */
  firstTime(eventId: string): boolean {
    if (this.#ids.has(eventId)) return false;
    this.#ids.add(eventId);
    if (this.#ids.size > this.capacity) this.#ids.delete(this.#ids.values().next().value!);
    return true;
  }
}
