import type { BenchDatabase } from './infra/bench-database.js';
import type { EventFeed } from './infra/event-feed.js';
import type { WebStompBroker } from './infra/web-stomp.js';
import type { Plan } from './settings.js';

/** What every scenario of one run shares. */
export interface BenchContext {
  plan: Plan;
  /** The run's own exchange (the gateway's AMQP_EXCHANGE) and a publisher on it. */
  feed: EventFeed;
  database: BenchDatabase;
  /** Set when the run includes Web-STOMP; prepared first, as it may restart the broker. */
  webStomp: WebStompBroker | undefined;
  /** Write CPU profiles of our own server processes (gateway, api). */
  profile: boolean;
  log(line: string): void;
}
