import type { BenchContext } from '../context.js';
import { cpuTimeMs } from '../infra/proc.js';
import { bearer, openTrade, rest } from '../infra/rest-client.js';
import { httpLoad, type HttpLoadResult } from '../load/http-load.js';
import { launch, type ServerProcess } from '../servers/launch.js';
import { launchRole } from '../servers/roles.js';
import { AMQP_URL } from '../settings.js';
import type { SyncResponse } from '../../src/contract/shapes.js';
import { runLongPoll, type LongPollResult } from './long-poll.js';

const BUYER = 'bench-sync-buyer';
const HISTORY = 1000;

export type SyncRun = HttpLoadResult & { name: string; request: string; serverCpuMsPerRequest: number };

export interface SyncBenchResult {
  concurrency: number;
  /** Nothing new (cursors current) vs a bare `http` server answering `[]`. */
  empty: { baseline: SyncRun; sync: SyncRun };
  /** 3 trades, 10 new messages, on PostgreSQL vs a plain `pg` handler running the same statement. */
  messages: { baseline: SyncRun; sync: SyncRun };
  longPoll: LongPollResult;
}

/**
 * The sync route (issue 8): an empty poll and a poll that returns messages, each beside a
 * baseline measured in the same minutes (twice each, interleaved), then the long-poll fleet on a
 * fresh api process.
 */
export async function runSync(ctx: BenchContext): Promise<SyncBenchResult> {
  const { concurrency, seconds } = ctx.plan.sync;
  ctx.log('sync: starting api, bare http and pg baselines');
  const servers: ServerProcess[] = [];
  try {
    const api = await launchRole(ctx, 'api', 'api-sync');
    servers.push(api);
    const bare = await launch('bare-http', { command: ['bench/servers/bare-http.ts'], env: {}, readyPath: '/readyz' });
    servers.push(bare);
    const pgBaseline = await launch('pg-baseline', {
      command: ['bench/servers/pg-baseline.ts'],
      env: { DATABASE_URL: ctx.database.url, AMQP_URL },
      readyPath: '/readyz',
    });
    servers.push(pgBaseline);

    const trades: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await openTrade(api.baseUrl, BUYER, `bench-sync-seller-${i}`);
      await ctx.database.seedChat(id, HISTORY);
      trades.push(id);
    }
    const cursors = (after: number[]) => trades.map((id, i) => `${id}:${after[i]}`).join(',');
    const first = await rest<SyncResponse>(api.baseUrl, BUYER, 'GET', `/p2p/sync?trades=${cursors([HISTORY, HISTORY, HISTORY])}`);
    const current = `tradesAfter=${first.tradesCursor}`;
    // 4 + 3 + 3 = 10 new messages.
    const tenNew = cursors([HISTORY - 4, HISTORY - 3, HISTORY - 3]);
    const check = await rest<SyncResponse>(api.baseUrl, BUYER, 'GET', `/p2p/sync?trades=${tenNew}&${current}`);
    const returned = Object.values(check.chat).reduce((n, list) => n + list.length, 0);
    if (returned !== 10 || check.trades.length !== 0)
      throw new Error(`sync bench: expected 10 messages and no trades, got ${returned} and ${check.trades.length}`);

    const headers = { Authorization: bearer(BUYER) };
    const measure = async (server: ServerProcess, name: string, path: string): Promise<SyncRun> => {
      await httpLoad({ baseUrl: server.baseUrl, path: () => path, headers, concurrency, seconds: ctx.plan.warmupSeconds });
      const cpuBefore = cpuTimeMs(server.pid);
      const run = await httpLoad({ baseUrl: server.baseUrl, path: () => path, headers, concurrency, seconds });
      const serverCpuMsPerRequest = (cpuTimeMs(server.pid) - cpuBefore) / (run.samples + run.errors);
      ctx.log(`sync: ${name} ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99.toFixed(1)} ms, ${run.errors} errors`);
      return { name, request: `GET ${path.replace(/[0-9a-f-]{36}/g, '{id}')}`, ...run, serverCpuMsPerRequest };
    };
    // Baseline, sync, sync, baseline: on a machine whose load drifts, a linear drift cancels out.
    const compare = async (baseline: [ServerProcess, string, string], sync: [ServerProcess, string, string]) => {
      const b1 = await measure(...baseline);
      const s1 = await measure(...sync);
      const s2 = await measure(...sync);
      const b2 = await measure(...baseline);
      return { baseline: merge(b1, b2), sync: merge(s1, s2) };
    };
    const empty = await compare(
      [bare, 'bare node http []', '/'],
      [api, 'sync, nothing new', `/p2p/sync?trades=${cursors([HISTORY, HISTORY, HISTORY])}&${current}`],
    );
    const messages = await compare(
      [pgBaseline, 'plain pg, same statement', `/?trades=${tenNew}`],
      [api, 'sync, 10 new messages', `/p2p/sync?trades=${tenNew}&${current}`],
    );
    for (const server of servers.splice(0)) await server.stop();
    const longPoll = await runLongPoll(ctx);
    return { concurrency, empty, messages, longPoll };
  } finally {
    for (const server of servers) await server.stop();
  }
}

/** Two runs of one request as one: mean rates and medians, the worse tail. */
function merge(a: SyncRun, b: SyncRun): SyncRun {
  const mean = (x: number, y: number) => (x + y) / 2;
  return {
    ...a,
    requestsPerSecond: mean(a.requestsPerSecond, b.requestsPerSecond),
    p50: mean(a.p50, b.p50),
    p95: Math.max(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99),
    max: Math.max(a.max, b.max),
    samples: a.samples + b.samples,
    errors: a.errors + b.errors,
    serverCpuMsPerRequest: mean(a.serverCpuMsPerRequest, b.serverCpuMsPerRequest),
  };
}
