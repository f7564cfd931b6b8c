import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Tally } from './samples.js';

/** Publishes one message to the subscribers under test; resolves when the next may be sent. */
export type Publish = () => Promise<void>;

// A run that makes no progress this long has lost clients or a server: fail instead of hanging.
const STALL_MS = 15_000;
const DRAIN_TIMEOUT_MS = 15_000;

export interface Saturation {
  /** Stops publishing and waits until every published message has reached every subscriber. */
  stop(): Promise<void>;
}

/**
 * Publishes as fast as the system delivers: a new message whenever fewer than `window`
 * messages are still on their way to all `subscribers`. Open-loop publishing would only grow
 * queues (and trip the gateway's slow-client limit); this keeps every stage busy and bounded.
 */
export function saturate(publish: Publish, tally: Tally, subscribers: number, window: number): Saturation {
  const base = tally.deliveries;
  let published = 0;
  let running = true;
  const outstanding = () => published * subscribers - (tally.deliveries - base);
  const loop = (async () => {
    let seen = tally.deliveries;
    let progressAt = Date.now();
    while (running) {
      while (running && outstanding() < window * subscribers) {
        await publish();
        published++;
      }
      // Yield to the clients' sockets for one turn of the event loop.
      await nextTurn();
      if (tally.deliveries !== seen) [seen, progressAt] = [tally.deliveries, Date.now()];
      else if (Date.now() - progressAt > STALL_MS) throw new Error(`no deliveries for ${STALL_MS} ms (${tally.dropped} clients dropped)`);
    }
  })();
  // A stall is reported by stop(); until then it must not count as an unhandled rejection.
  loop.catch(() => {});
  return {
    async stop() {
      running = false;
      await loop;
      await drain(() => outstanding() <= 0, tally);
    },
  };
}

/** Publishes `ratePerSecond` messages a second for `seconds`, then waits for their delivery; returns how many. */
export async function publishAtRate(publish: Publish, tally: Tally, subscribers: number, ratePerSecond: number, seconds: number): Promise<number> {
  const base = tally.deliveries;
  const count = Math.round(ratePerSecond * seconds);
  const start = Date.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    // On a schedule from the start, so a slow send does not shift the ones after it.
    await sleep(Math.max(0, start + (i * 1000) / ratePerSecond - Date.now()));
    sends.push(publish());
  }
  await Promise.all(sends);
  await drain(() => tally.deliveries - base >= count * subscribers, tally);
  return count;
}

async function drain(done: () => boolean, tally: Tally): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`messages still undelivered after ${DRAIN_TIMEOUT_MS} ms (${tally.dropped} clients dropped)`);
    await sleep(20);
  }
}
