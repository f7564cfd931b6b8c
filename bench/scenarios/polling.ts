import type { BenchContext } from '../context.js';
import { cpuTimeMs } from '../infra/proc.js';
import { bearer, openTrade, rest } from '../infra/rest-client.js';
import { httpLoad, type HttpLoadResult } from '../load/http-load.js';
import { launchRole } from '../servers/roles.js';

const BUYER = 'bench-poll-buyer';
const SELLER = 'bench-poll-seller';
const PAGE = 100;

export type PollingRun = HttpLoadResult & { name: string; request: string; apiCpuMsPerRequest: number };

export interface PollingResult {
  messages: number;
  concurrency: number;
  runs: PollingRun[];
}

/**
 * The fallback clients use while their socket is down, on a trade with a long history: pages
 * of 100 from random points by seq cursor and by timestamp, beside `/healthz` on the same
 * process (the HTTP stack alone, this machine's ceiling for any route).
 */
export async function runPolling(ctx: BenchContext): Promise<PollingResult> {
  const { messages, concurrency, seconds } = ctx.plan.polling;
  ctx.log('polling: starting api');
  const api = await launchRole(ctx, 'api', 'api-polling');
  try {
    const tradeId = await openTrade(api.baseUrl, BUYER, SELLER);
    await ctx.database.seedChat(tradeId, messages);
    const [first] = await rest<{ timestamp: string }[]>(api.baseUrl, BUYER, 'GET', `/p2p/trades/${tradeId}/chat?afterSeq=0&limit=1`);
    // Seeded messages are 1 ms apart, so any instant in the history starts a full page.
    const firstMs = Date.parse(first!.timestamp);
    const randomStart = () => Math.floor(Math.random() * (messages - PAGE));
    const chat = `/p2p/trades/${tradeId}/chat`;
    const endpoints = [
      { name: 'healthz (baseline)', request: 'GET /healthz', path: () => '/healthz' },
      { name: 'afterSeq', request: `GET ${chat}?afterSeq=N&limit=${PAGE}`, path: () => `${chat}?afterSeq=${randomStart()}&limit=${PAGE}` },
      {
        name: 'since',
        request: `GET ${chat}?since=ISO&limit=${PAGE}`,
        path: () => `${chat}?since=${new Date(firstMs + randomStart()).toISOString()}&limit=${PAGE}`,
      },
    ];
    const headers = { Authorization: bearer(BUYER) };
    const runs: PollingRun[] = [];
    for (const endpoint of endpoints) {
      // Warm-up: JIT, the connection pool, PostgreSQL's cache.
      await httpLoad({ baseUrl: api.baseUrl, path: endpoint.path, headers, concurrency, seconds: ctx.plan.warmupSeconds });
      const cpuBefore = cpuTimeMs(api.pid);
      const run = await httpLoad({ baseUrl: api.baseUrl, path: endpoint.path, headers, concurrency, seconds });
      const apiCpuMsPerRequest = (cpuTimeMs(api.pid) - cpuBefore) / (run.samples + run.errors);
      ctx.log(`polling: ${endpoint.name} ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99.toFixed(1)} ms`);
      runs.push({ name: endpoint.name, request: endpoint.request, ...run, apiCpuMsPerRequest });
    }
    return { messages, concurrency, runs };
  } finally {
    await api.stop();
  }
}
