import type { FailoverSetup, FromLoadGenerator, RequestBucket } from './failover-messages.js';
import { FailoverShard } from './failover-shard.js';

type Verified = Extract<FromLoadGenerator, { type: 'verified' }>;
type Status = Extract<FromLoadGenerator, { type: 'status' }>;

/**
 * Clients per load-generator process. One Node process running 5,000 clients (SockJS, fetch,
 * timers) was busy 95-100% of every second of the gap while gateway B was busy at most a third
 * of any 10 s: the generator, not the gateway, set the reconnect rate. Browsers each have their
 * own CPU; several processes come nearer to that.
 */
export const CLIENTS_PER_PROCESS = 1250;

/** The failover load generator: its clients split over processes, driven and counted as one. */
export class FailoverFleet {
  private constructor(private readonly shards: FailoverShard[]) {}

  static start(setup: FailoverSetup, options: { profile?: boolean } = {}): FailoverFleet {
    const count = Math.max(1, Math.ceil(setup.clients.length / CLIENTS_PER_PROCESS));
    const size = Math.ceil(setup.clients.length / count);
    return new FailoverFleet(
      Array.from({ length: count }, (_, i) =>
        FailoverShard.start(
          { ...setup, clients: setup.clients.slice(i * size, (i + 1) * size), startConcurrency: Math.ceil(setup.startConcurrency / count) },
          options,
        ),
      ),
    );
  }

  get pids(): number[] {
    return this.shards.map((s) => s.pid);
  }

  /** Resolves with the number of clients once every process has connected all of its clients. */
  async ready(timeoutMs: number): Promise<number> {
    const ready = await Promise.all(this.shards.map((s) => s.next('ready', timeoutMs)));
    return ready.reduce((sum, r) => sum + r.clients, 0);
  }

  /** Resolves once every process counts from now: a close it handles earlier would not count as a loss. */
  async mark(): Promise<void> {
    for (const shard of this.shards) shard.send({ type: 'mark' });
    await Promise.all(this.shards.map((s) => s.next('marked', 30_000)));
  }

  /** Milliseconds from the mark until every client of every process was live again; undefined if not within `timeoutMs`. */
  async allLive(timeoutMs: number): Promise<number | undefined> {
    const each = await Promise.all(
      this.shards.map((s) =>
        s.next('allLive', timeoutMs).then(
          (m) => m.afterMs,
          () => undefined,
        ),
      ),
    );
    return each.some((ms) => ms === undefined) ? undefined : Math.max(...(each as number[]));
  }

  async status(): Promise<Status> {
    const each = await Promise.all(
      this.shards.map((s) => {
        s.forget('status');
        s.send({ type: 'status' });
        return s.next('status', 10_000);
      }),
    );
    return { type: 'status', live: sum(each, (s) => s.live), leftLive: sum(each, (s) => s.leftLive), back: sum(each, (s) => s.back) };
  }

  async verify(settleMs: number): Promise<Verified> {
    for (const shard of this.shards) shard.send({ type: 'verify', settleMs });
    const each = await Promise.all(this.shards.map((s) => s.next('verified', settleMs + 60_000)));
    const failures: Record<string, number> = {};
    for (const v of each) for (const [kind, n] of Object.entries(v.failures)) failures[kind] = (failures[kind] ?? 0) + n;
    const buckets: RequestBucket[] = Array.from({ length: Math.max(...each.map((v) => v.buckets.length)) }, (_, i) => ({
      sent: sum(each, (v) => v.buckets[i]?.sent ?? 0),
      answered: sum(each, (v) => v.buckets[i]?.answered ?? 0),
      failed: sum(each, (v) => v.buckets[i]?.failed ?? 0),
    }));
    return {
      type: 'verified',
      expected: sum(each, (v) => v.expected),
      lost: sum(each, (v) => v.lost),
      duplicated: sum(each, (v) => v.duplicated),
      clientsMissingSome: sum(each, (v) => v.clientsMissingSome),
      failures,
      bucketMs: each[0]!.bucketMs,
      buckets,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.stop()));
  }
}

function sum<T>(items: T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
