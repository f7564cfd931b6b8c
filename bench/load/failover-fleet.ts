import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AttemptSecond } from './failover-attempts.js';
import { emptyBucket, type FailoverSetup, type FromLoadGenerator, type RequestBucket } from './failover-messages.js';
import { FailoverShard, type FleetOptions } from './failover-shard.js';

type Verified = Extract<FromLoadGenerator, { type: 'verified' }>;
type Status = Extract<FromLoadGenerator, { type: 'status' }>;

/**
 * Clients per load-generator process. One Node process running 5,000 clients (SockJS, fetch,
 * timers) was busy 95-100% of every second of the gap while gateway B was busy at most a third
 * of any 10 s: the generator, not the gateway, set the reconnect rate. Browsers each have their
 * own CPU; several processes come nearer to that.
 */
export const CLIENTS_PER_PROCESS = 1250;
const ALL_LIVE_CHECK_MS = 250;
const STATUS_TIMEOUT_MS = 60_000;

/** The failover load generator: its clients split over processes, driven and counted as one. */
export class FailoverFleet {
  #markedAt = 0;

  private constructor(private readonly shards: FailoverShard[]) {}

  static start(setup: FailoverSetup, options: FleetOptions = {}): FailoverFleet {
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
    this.#markedAt = performance.now();
  }

  /**
   * Milliseconds from the mark until every client is live and at least `leavers` of them (the
   * connections gateway A had at the mark) have left `live` since; undefined if not within
   * `timeoutMs`. Checked every 250 ms. (A client that lost gateway A before the mark and went
   * on to B never leaves `live`.) `observe` sees each status answer.
   */
  async allLive(timeoutMs: number, leavers: number, clients: number, observe?: (status: Status, sinceMarkMs: number) => void): Promise<number | undefined> {
    const deadline = this.#markedAt + timeoutMs;
    for (;;) {
      // A generator process starved of CPU may take seconds to answer: not all live yet, then.
      const status = await this.status(Math.max(1000, deadline - performance.now())).catch(() => undefined);
      const { live, leftLive } = status ?? { live: 0, leftLive: 0 };
      if (status) observe?.(status, performance.now() - this.#markedAt);
      if (live === clients && leftLive >= leavers) return performance.now() - this.#markedAt;
      if (performance.now() > deadline) return undefined;
      await sleep(ALL_LIVE_CHECK_MS);
    }
  }

  async status(timeoutMs = STATUS_TIMEOUT_MS): Promise<Status> {
    const each = await Promise.all(
      this.shards.map((s) => {
        s.forget('status');
        s.send({ type: 'status' });
        return s.next('status', timeoutMs);
      }),
    );
    return { type: 'status', live: sum(each, (s) => s.live), leftLive: sum(each, (s) => s.leftLive), back: sum(each, (s) => s.back) };
  }

  async verify(settleMs: number): Promise<Verified> {
    for (const shard of this.shards) shard.send({ type: 'verify', settleMs });
    const each = await Promise.all(this.shards.map((s) => s.next('verified', settleMs + 60_000)));
    const failures: Record<string, number> = {};
    for (const v of each) for (const [kind, n] of Object.entries(v.failures)) failures[kind] = (failures[kind] ?? 0) + n;
    const buckets: RequestBucket[] = Array.from({ length: Math.max(...each.map((v) => v.buckets.length)) }, (_, i) => {
      const total = emptyBucket();
      for (const key of Object.keys(total) as (keyof RequestBucket)[]) total[key] = sum(each, (v) => v.buckets[i]?.[key] ?? 0);
      return total;
    });
    const attempts: AttemptSecond[] = Array.from({ length: Math.max(...each.map((v) => v.attempts.length)) }, (_, i) => {
      const lost: Record<string, number> = {};
      for (const v of each) for (const [kind, n] of Object.entries(v.attempts[i]?.lost ?? {})) lost[kind] = (lost[kind] ?? 0) + n;
      return {
        started: sum(each, (v) => v.attempts[i]?.started ?? 0),
        connected: sum(each, (v) => v.attempts[i]?.connected ?? 0),
        connectedMaxMs: Math.max(...each.map((v) => v.attempts[i]?.connectedMaxMs ?? 0)),
        lost,
      };
    });
    return {
      type: 'verified',
      expected: sum(each, (v) => v.expected),
      lost: sum(each, (v) => v.lost),
      duplicated: sum(each, (v) => v.duplicated),
      clientsMissingSome: sum(each, (v) => v.clientsMissingSome),
      missingByState: each.reduce<Record<string, number>>((all, v) => {
        for (const [state, n] of Object.entries(v.missingByState)) all[state] = (all[state] ?? 0) + n;
        return all;
      }, {}),
      missingSamples: each.flatMap((v) => v.missingSamples),
      failures,
      bucketMs: each[0]!.bucketMs,
      buckets,
      attempts,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.stop()));
  }
}

function sum<T>(items: T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
