import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransportOption } from '../../client/src/socket-transport.js';
import type { BenchContext } from '../context.js';
import { cpuTimeMs } from '../infra/proc.js';
import type { SyncResponse } from '../../src/contract/shapes.js';
import { syncQueryString } from '../../src/contract/sync.js';
import { bearer, openTrade, rest } from '../infra/rest-client.js';
import { startChatSender, storedTwice, type ChatTrade } from '../load/chat-sender.js';
import type { AttemptSecond } from '../load/failover-attempts.js';
import { FailoverFleet } from '../load/failover-fleet.js';
import { httpLoad } from '../load/http-load.js';
import type { ServerProcess } from '../servers/launch.js';
import { launchRole, scrapeMetrics, unavailableByCause } from '../servers/roles.js';
import { JWT_SECRET } from '../settings.js';
import { CpuSampler } from '../infra/cpu-sampler.js';

export type KillSignal = 'SIGKILL' | 'SIGTERM';

export interface FailoverRun {
  signal: KillSignal;
  clients: number;
  /** From the signal until every client had left `live` and was live again; undefined: not within the limit. */
  allLiveMs: number | undefined;
  /** Client connections gateway B reported once everyone was live. */
  onSurvivor: number;
  /** The gap: from the signal to all live (or the limit). */
  gapMs: number;
  /** REST requests the clients sent in the gap, and the most in any one second of it. */
  apiRequests: number;
  apiPeakRequestsPerSecond: number;
  /** Of those, failed (5xx or no answer). */
  apiRequestsFailed: number;
  /** Of the failed, catch-ups after a reconnect (`fresh=1`), tried again by the client. */
  catchUpsFailed: number;
  /** Of those, abandoned by the client: long polls no longer needed once its socket was back. */
  apiRequestsAbandoned: number;
  /** Of those, catch-ups the client gave up: past their deadline, or their connection ended. */
  catchUpsAbandoned: number;
  /**
   * The clients' failed requests from the signal to the final count, by status ('error': no
   * answer; ' catch-up' added to it for a catch-up after a reconnect); the same for chat sends
   * the user saw fail.
   */
  requestFailures: Record<string, number>;
  chatSendFailures: Record<string, number>;
  /** The api's own 503s in the gap by cause (http_unavailable_responses_total): why it refused. In the log only. */
  apiUnavailableByCause: Record<string, number>;
  /** CPU cores (CPU seconds per second) in the gap: mean and the busiest second. */
  apiCores: number;
  apiPeakCores: number;
  /** Gateway B, taking the clients over: is it or the load generator what limits the reconnect rate? */
  survivorCores: number;
  survivorPeakCores: number;
  /** All of its processes together (CLIENTS_PER_PROCESS). */
  loadGeneratorCores: number;
  loadGeneratorProcesses: number;
  /** Chat sends as a user of the client library makes them (its retries); failed: the user saw it fail. */
  chatSendsInGap: number;
  chatSendsFailedInGap: number;
  /** Of the sends in the gap, those whose first try had no 201 (before the library's retries). */
  chatFirstTriesFailedInGap: number;
  chatSendsFailed: number;
  chatSends: number;
  /** Sends stored more than once (a retry whose clientMessageId was not honoured). */
  chatStoredTwice: number;
  /** User level, counted by the client library's `message` events against what the api stored. */
  expectedShowings: number;
  lost: number;
  duplicated: number;
  clientsMissingSome: number;
  /** Those clients by their connection state at the count (not `live`: perhaps still catching up). */
  clientsMissingByState: Record<string, number>;
  /** Second by second from the signal until all live: where the gap's time goes. */
  timeline: TimelineSecond[];
}

/** One second of the gap: the clients live at its end (as last seen), and their connection attempts in it. */
export interface TimelineSecond extends AttemptSecond {
  second: number;
  live: number;
  /** Clients that left `live` since the signal (come back or not). */
  leftLive: number;
}

export interface FailoverResult {
  clients: number;
  transport: TransportOption;
  generatorNice: number;
  trades: number;
  chatPerSecond: number;
  /**
   * The api's capacity on the client's syncs, measured first in the same run: the lowest of a
   * catch-up (one new message), an empty poll and the fresh catch-up after a reconnect.
   */
  capacity: {
    requestsPerSecond: number;
    cores: number;
    p99: number;
    concurrency: number;
    catchUpRequestsPerSecond: number;
    emptyRequestsPerSecond: number;
    freshRequestsPerSecond: number;
  };
  runs: FailoverRun[];
}

const ALL_LIVE_LIMIT_MS = 90_000;
const CAPACITY_CONNECTIONS = 50;
const SETTLE_MS = 30_000;
const SETTLE_LIVE_MS = 120_000;

/**
 * Issue 8's lost gateway: clients of the client library (a separate load-generator process) on
 * gateway A, with the api, the notification worker and gateway B running on PostgreSQL and
 * RabbitMQ and chat sent over REST; then A is killed (SIGKILL) or drained (SIGTERM), and its
 * clients fall back to polling and reconnect to B. The api's capacity on the same polls is the
 * baseline, measured in the same run.
 */
export async function runFailover(ctx: BenchContext): Promise<FailoverResult> {
  const { clients, clientsPerTrade, chatPerSecond, steadySeconds, transport, generatorNice } = ctx.plan.failover;
  const env = { AMQP_NOTIFICATION_QUEUE: `${ctx.feed.exchange}.notifications` };
  ctx.log('failover: starting api, notification worker and gateway B');
  const [api, worker, survivor] = await Promise.all([
    launchRole(ctx, 'api', 'api-failover', env),
    launchRole(ctx, 'notification', 'notification-failover', env),
    launchRole(ctx, 'gateway', 'gateway-b', env),
  ]);
  try {
    const capacity = await measureCapacity(ctx, api);
    ctx.log(
      `failover: api capacity ${Math.round(capacity.catchUpRequestsPerSecond)} req/s on a catch-up sync, ${Math.round(capacity.emptyRequestsPerSecond)} on an empty one, ${Math.round(capacity.freshRequestsPerSecond)} on a fresh one`,
    );
    const runs: FailoverRun[] = [];
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const trades = await openTrades(api.baseUrl, signal, Math.max(1, Math.round(clients / clientsPerTrade)));
      runs.push(await runOnce(ctx, { api, survivor, env, trades, clients, chatPerSecond, steadySeconds, transport, generatorNice, signal }));
    }
    return { clients, transport, generatorNice, trades: Math.max(1, Math.round(clients / clientsPerTrade)), chatPerSecond, capacity, runs };
  } finally {
    await Promise.all([api.stop(), worker.stop(), survivor.stop()]);
  }
}

// Thousands of trades are opened before each run: a few at a time, not one by one.
const OPEN_CONCURRENCY = 16;

async function openTrades(apiUrl: string, tag: string, count: number): Promise<ChatTrade[]> {
  const run = Math.random().toString(36).slice(2, 8);
  const trades: ChatTrade[] = new Array(count);
  let next = 0;
  const opener = async () => {
    for (let i = next++; i < count; i = next++) {
      const [buyer, seller] = [`fo-${tag}-${run}-b${i}`, `fo-${tag}-${run}-s${i}`];
      trades[i] = { id: await openTrade(apiUrl, buyer, seller), buyer, seller };
    }
  };
  await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
  return trades;
}

/**
 * Closed-loop load on the syncs a client sends in the gap: with the cursors current (an empty
 * poll, answered from the head cache), one message behind (a catch-up, which reads the database
 * unless the api still holds the message), and current but `fresh` (the catch-up after a
 * reconnect, which reads every feed from the database). The gap is compared with the lowest.
 */
async function measureCapacity(ctx: BenchContext, api: ServerProcess): Promise<FailoverResult['capacity']> {
  const [trade] = await openTrades(api.baseUrl, 'capacity', 1);
  const { buyer, id } = trade!;
  for (let i = 0; i < 20; i++) await rest(api.baseUrl, buyer, 'POST', `/p2p/trades/${id}/chat`, { message: `history ${i}` });
  const first = await rest<SyncResponse>(api.baseUrl, buyer, 'GET', `/p2p/sync?${syncQueryString({ trades: [{ tradeId: id, afterSeq: 0 }] })}`);
  const last = first.chat[id]!.at(-1)!.seq;
  const cursors = { notificationsAfterSeq: first.notifications.at(-1)?.seq ?? 0, tradesAfter: first.tradesCursor };
  const measure = async (afterSeq: number, fresh = false) => {
    const path = `/p2p/sync?${syncQueryString({ trades: [{ tradeId: id, afterSeq }], ...cursors, fresh })}`;
    const load = { baseUrl: api.baseUrl, path: () => path, headers: { Authorization: bearer(buyer) }, concurrency: CAPACITY_CONNECTIONS };
    await httpLoad({ ...load, seconds: ctx.plan.warmupSeconds });
    const cpuBefore = cpuTimeMs(api.pid);
    const run = await httpLoad({ ...load, seconds: ctx.plan.polling.seconds });
    return { requestsPerSecond: run.requestsPerSecond, cores: (cpuTimeMs(api.pid) - cpuBefore) / (ctx.plan.polling.seconds * 1000), p99: run.p99 };
  };
  const empty = await measure(last);
  const catchUp = await measure(last - 1);
  const fresh = await measure(last, true);
  const lowest = [empty, catchUp, fresh].reduce((a, b) => (b.requestsPerSecond < a.requestsPerSecond ? b : a));
  return {
    ...lowest,
    catchUpRequestsPerSecond: catchUp.requestsPerSecond,
    emptyRequestsPerSecond: empty.requestsPerSecond,
    freshRequestsPerSecond: fresh.requestsPerSecond,
    concurrency: CAPACITY_CONNECTIONS,
  };
}

interface OneRun {
  api: ServerProcess;
  survivor: ServerProcess;
  env: Record<string, string>;
  trades: ChatTrade[];
  clients: number;
  chatPerSecond: number;
  steadySeconds: number;
  transport: TransportOption;
  generatorNice: number;
  signal: KillSignal;
}

async function runOnce(ctx: BenchContext, run: OneRun): Promise<FailoverRun> {
  const { api, survivor, trades, signal } = run;
  const doomed = await launchRole(ctx, 'gateway', `gateway-a-${signal}`, run.env);
  const fleet = FailoverFleet.start(
    {
      apiUrl: api.baseUrl,
      gatewayUrls: [doomed.baseUrl, survivor.baseUrl],
      jwtSecret: JWT_SECRET,
      clients: Array.from({ length: run.clients }, (_, i) => {
        const trade = trades[i % trades.length]!;
        return { userId: Math.floor(i / trades.length) % 2 ? trade.seller : trade.buyer, tradeId: trade.id };
      }),
      startConcurrency: 50,
      transport: run.transport,
    },
    { profile: ctx.profile, nice: run.generatorNice },
  );
  try {
    ctx.log(`failover ${signal}: connecting ${run.clients} clients to gateway A`);
    await fleet.ready(600_000);
    const sender = startChatSender(api.baseUrl, trades, run.chatPerSecond);
    await sleep(run.steadySeconds * 1000);
    await everyoneLive(fleet, run.clients);
    // Nearly all: a client whose connection to A dropped while the others connected may have gone on to B.
    const onDoomed = await gatewayConnections(doomed);

    const unavailableBefore = await unavailableByCause(api.baseUrl);
    await fleet.mark();
    const generators = fleet.pids.map((pid, i) => [`generator${i}`, pid] as const);
    const cpu = new CpuSampler<string>({ api: api.pid, survivor: survivor.pid, ...Object.fromEntries(generators) });
    const markedAt = performance.now();
    const killed = doomed.kill(signal);
    ctx.log(`failover ${signal}: gateway A sent ${signal} with ${onDoomed} connections on it`);
    const seen: { live: number; leftLive: number }[] = [];
    const allLive = await fleet.allLive(ALL_LIVE_LIMIT_MS, onDoomed, run.clients, ({ live, leftLive }, sinceMarkMs) => {
      seen[Math.floor(sinceMarkMs / 1000)] = { live, leftLive };
    });
    const gapMs = allLive ?? performance.now() - markedAt;
    if (allLive === undefined) ctx.log(`failover ${signal}: still not all live: ${JSON.stringify(await fleet.status())}`);
    const { api: apiCpu, survivor: survivorCpu, ...generatorCpu } = cpu.stop(gapMs);
    const apiUnavailableByCause = countsSince(unavailableBefore, await unavailableByCause(api.baseUrl));
    const onSurvivor = await gatewayConnections(survivor);
    await killed;
    ctx.log(`failover ${signal}: ${allLive === undefined ? 'NOT all' : 'all'} clients live after ${(gapMs / 1000).toFixed(1)} s; ${onSurvivor} on gateway B`);
    await sleep(run.steadySeconds * 1000);
    await sender.stop();

    const verified = await fleet.verify(SETTLE_MS);
    const windows = slidingSums(
      verified.buckets.map((b) => b.sent),
      Math.round(1000 / verified.bucketMs),
    );
    const inGap = (b: number) => b * verified.bucketMs < gapMs;
    const gapBuckets = verified.buckets.filter((_, i) => inGap(i));
    const sendsInGap = sender.sends.filter((s) => s.at >= markedAt && s.at < markedAt + gapMs);
    const failedSends = sender.sends.filter((s) => !s.stored);
    const result: FailoverRun = {
      signal,
      clients: run.clients,
      allLiveMs: allLive,
      onSurvivor,
      gapMs,
      apiRequests: gapBuckets.reduce((sum, b) => sum + b.sent, 0),
      apiPeakRequestsPerSecond: Math.max(0, ...windows.filter((_, i) => inGap(i))),
      apiRequestsFailed: gapBuckets.reduce((sum, b) => sum + b.failed, 0),
      catchUpsFailed: gapBuckets.reduce((sum, b) => sum + b.catchUpsFailed, 0),
      apiRequestsAbandoned: gapBuckets.reduce((sum, b) => sum + b.abandoned, 0),
      catchUpsAbandoned: gapBuckets.reduce((sum, b) => sum + b.catchUpsAbandoned, 0),
      requestFailures: verified.failures,
      chatSendFailures: histogram(failedSends.map((s) => s.failure ?? 'error')),
      apiUnavailableByCause,
      apiCores: apiCpu!.mean,
      apiPeakCores: apiCpu!.peak,
      survivorCores: survivorCpu!.mean,
      survivorPeakCores: survivorCpu!.peak,
      loadGeneratorCores: Object.values(generatorCpu).reduce((sum, used) => sum + used.mean, 0),
      loadGeneratorProcesses: fleet.pids.length,
      chatSendsInGap: sendsInGap.length,
      chatSendsFailedInGap: sendsInGap.filter((s) => !s.stored).length,
      chatFirstTriesFailedInGap: sendsInGap.filter((s) => s.firstStatus !== 201).length,
      chatSendsFailed: failedSends.length,
      chatSends: sender.sends.length,
      chatStoredTwice: await storedTwice(api.baseUrl, trades),
      expectedShowings: verified.expected,
      lost: verified.lost,
      duplicated: verified.duplicated,
      clientsMissingSome: verified.clientsMissingSome,
      clientsMissingByState: verified.missingByState,
      timeline: timelineOf(seen, verified.attempts, gapMs),
    };
    for (const row of result.timeline) ctx.log(`failover ${signal}: ${timelineLine(row)}`);
    for (const sample of verified.missingSamples) ctx.log(`failover ${signal}: still missing: ${sample}`);
    ctx.log(
      `failover ${signal}: api peak ${result.apiPeakRequestsPerSecond} req/s, ${result.apiCores.toFixed(2)} cores; sends failed ${result.chatSendsFailed}/${result.chatSends} ${JSON.stringify(result.chatSendFailures)} (first tries in the gap ${result.chatFirstTriesFailedInGap}/${result.chatSendsInGap}), stored twice ${result.chatStoredTwice}; client requests failed in the gap ${result.apiRequestsFailed} (catch-ups ${result.catchUpsFailed}; the api's 503s in the gap by cause ${JSON.stringify(result.apiUnavailableByCause)}), to the count ${JSON.stringify(result.requestFailures)}, abandoned in the gap ${result.apiRequestsAbandoned} (and catch-ups ${result.catchUpsAbandoned}); lost ${result.lost} (clients by state ${JSON.stringify(result.clientsMissingByState)}), duplicated ${result.duplicated}`,
    );
    return result;
  } finally {
    await fleet.stop();
    await doomed.stop();
  }
}

/** Up to the end of the gap, each second with the last status seen by then (a second without an answer repeats the one before). */
function timelineOf(seen: { live: number; leftLive: number }[], attempts: AttemptSecond[], gapMs: number): TimelineSecond[] {
  const rows: TimelineSecond[] = [];
  let last = { live: 0, leftLive: 0 };
  for (let second = 0; second < Math.ceil(gapMs / 1000); second++) {
    last = seen[second] ?? last;
    rows.push({ second, ...last, ...(attempts[second] ?? { started: 0, connected: 0, connectedMaxMs: 0, lost: {} }) });
  }
  return rows;
}

function timelineLine(row: TimelineSecond): string {
  const lost = Object.entries(row.lost)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => `${n} ${kind}`)
    .join('; ');
  return `${String(row.second).padStart(3)} s: live ${row.live}, left ${row.leftLive}; attempts ${row.started}, connected ${row.connected} (slowest ${row.connectedMaxMs} ms)${lost ? `; ended: ${lost}` : ''}`;
}

function histogram(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** What each count grew by, those that grew. */
function countsSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).flatMap(([key, n]) => (n > (before[key] ?? 0) ? [[key, n - (before[key] ?? 0)]] : [])));
}

/** Sums of `width` consecutive values, one per starting index. */
function slidingSums(values: number[], width: number): number[] {
  return values.map((_, i) => values.slice(i, i + width).reduce((a, b) => a + b, 0));
}

/** Waits until every client is live: on a busy machine a few miss a heart-beat while the others connect, and reconnect. */
async function everyoneLive(fleet: FailoverFleet, clients: number): Promise<void> {
  const deadline = performance.now() + SETTLE_LIVE_MS;
  for (;;) {
    const { live } = await fleet.status();
    if (live === clients) return;
    if (performance.now() > deadline) throw new Error(`${live} clients live, expected ${clients}`);
    await sleep(1000);
  }
}

async function gatewayConnections(gateway: ServerProcess): Promise<number> {
  const text = await scrapeMetrics(gateway.baseUrl);
  return [...text.matchAll(/^gateway_connections\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
