import type { BusEvent } from '../events/events.js';
import type { Consumer, ConsumerSpec, EventBus, EventHandler } from './event-bus.js';
import { topicMatcher } from './topic-pattern.js';

interface Subscriber {
  matches: (routingKey: string) => boolean;
  handler: EventHandler;
  onStateChange: ConsumerSpec['onStateChange'];
  backlog: BusEvent[];
  running: boolean;
}

/**
 * The embedded default: events stay in this process. Same delivery semantics as the RabbitMQ
 * driver: `shared` queues hand each event to one subscriber of that queue, `per-instance`
 * ones to every subscriber; each subscriber gets events in publish order, and a handler that
 * rejects gets the event again after `retryDelayMs` (at-least-once).
 */
export class InProcessBus implements EventBus {
  readonly kind = 'in-process';
  private readonly queues = new Map<string, { subscribers: Subscriber[]; next: number }>();
  private closed = false;

  constructor(private readonly retryDelayMs = 1_000) {}

  async publish(event: BusEvent): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    for (const [name, queue] of this.queues) {
      const matching = queue.subscribers.filter((s) => s.matches(event.routingKey));
      if (matching.length === 0) continue;
      if (name.startsWith('shared:')) {
        const chosen = matching[queue.next++ % matching.length]!;
        this.enqueue(chosen, event);
      } else {
        for (const s of matching) this.enqueue(s, event);
      }
    }
  }

  /** In memory there is no persistence to skip: the same as publish(). */
  async publishTransient(event: BusEvent): Promise<void> {
    await this.publish(event);
  }

  async consume(spec: ConsumerSpec, handler: EventHandler): Promise<Consumer> {
    const matchers = spec.routingKeys.map(topicMatcher);
    const subscriber: Subscriber = {
      matches: (key) => matchers.some((m) => m(key)),
      handler,
      onStateChange: spec.onStateChange,
      backlog: [],
      running: false,
    };
    // Every per-instance consumer is its own queue; shared consumers of one name share one.
    const name = spec.delivery === 'shared' ? `shared:${spec.queue}` : `instance:${spec.queue}:${this.queues.size}`;
    const queue = this.queues.get(name) ?? { subscribers: [], next: 0 };
    queue.subscribers.push(subscriber);
    this.queues.set(name, queue);
    spec.onStateChange?.(true);
    return {
      cancel: async () => {
        spec.onStateChange?.(false);
        queue.subscribers = queue.subscribers.filter((s) => s !== subscriber);
        if (queue.subscribers.length === 0) this.queues.delete(name);
      },
    };
  }

  isReady(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) for (const s of queue.subscribers) s.onStateChange?.(false);
    this.queues.clear();
  }

  private enqueue(subscriber: Subscriber, event: BusEvent): void {
    subscriber.backlog.push(event);
    if (!subscriber.running) void this.drain(subscriber);
  }

  private async drain(subscriber: Subscriber): Promise<void> {
    subscriber.running = true;
    // Yield first so that publish() never runs handlers on the publisher's stack.
    await new Promise((resolve) => setImmediate(resolve));
    while (subscriber.backlog.length > 0 && !this.closed) {
      const event = subscriber.backlog[0]!;
      try {
        await subscriber.handler(event);
        subscriber.backlog.shift();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    }
    subscriber.running = false;
  }
}
