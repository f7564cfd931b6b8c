import type { BusEvent } from '../events/events.js';

/**
 * How a consumer's queue behaves:
 * - `shared`: one durable queue for all instances of a role; each event is handled once
 *   (the notification worker).
 * - `per-instance`: every instance gets its own queue, gone when the instance is, and so every event
 *   (gateways, which each hold different sockets).
 */
export type Delivery = 'shared' | 'per-instance';

export interface ConsumerSpec {
  queue: string;
  delivery: Delivery;
  routingKeys: string[];
  /** Unacknowledged events in flight per consumer. */
  prefetch?: number;
  /**
   * true once the queue is bound and consumed (again), false when consumption stopped (connection
   * or channel lost): events published in between may never arrive.
   */
  onStateChange?: (consuming: boolean) => void;
}

/** Resolving acknowledges the event; rejecting redelivers it later (at-least-once). */
export type EventHandler = (event: BusEvent) => Promise<void>;

export interface Consumer {
  cancel(): Promise<void>;
}

/** The event bus driver seam: in-process (embedded default) or RabbitMQ. */
export interface EventBus {
  readonly kind: 'in-process' | 'rabbitmq';
  /**
   * Resolves once the bus has taken the event: RabbitMQ after its publisher confirm (durable);
   * the in-process bus once queued in memory (lost if the process dies before its handlers ran).
   */
  publish(event: BusEvent): Promise<void>;
  /**
   * At most once, for what is stale a moment later (presence, typing): not persistent, never
   * retried or held back. Rejects at once while the broker is unreachable (RabbitMQ), instead of
   * waiting for it; otherwise resolves as publish() does. Consumers receive it like any event.
   */
  publishTransient(event: BusEvent): Promise<void>;
  consume(spec: ConsumerSpec, handler: EventHandler): Promise<Consumer>;
  isReady(): boolean;
  close(): Promise<void>;
}
