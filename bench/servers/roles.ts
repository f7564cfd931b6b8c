import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchContext } from '../context.js';
import { AMQP_URL, JWT_SECRET, REPO_ROOT, TRANSCRIPT_SIGNING_KEY } from '../settings.js';
import { launch, type ServerProcess } from './launch.js';

/**
 * Builds dist/ as `npm start` does (only when a source is newer than the last build). The
 * roles are measured as they run in production, `node dist/main.js <role>`: under tsx,
 * esbuild's keepNames gives every named closure its own property array, about 2 KB more
 * memory per connection that production does not have.
 */
export async function buildProduct(): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: REPO_ROOT });
}

/** The gateway's endpoints on a server: plain WebSocket, and the SockJS prefix. */
export function gatewayUrls(baseUrl: string): { websocket: string; sockjs: string } {
  return { websocket: `${baseUrl.replace(/^http/, 'ws')}/ws/websocket`, sockjs: `${baseUrl}/ws` };
}

/** What the bench's production-mode roles require on /metrics (docs/security.md). */
const BENCH_METRICS_TOKEN = 'bench-metrics-token-0123456789';

/** A role's Prometheus text, fetched with the bench's metrics token (production roles refuse /metrics without it). */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
  return res.text();
}

/** The api's 503s by cause (http_unavailable_responses_total), cumulative since it started. */
export async function unavailableByCause(apiUrl: string): Promise<Record<string, number>> {
  const text = await scrapeMetrics(apiUrl);
  const counts: Record<string, number> = {};
  for (const [, cause, value] of text.matchAll(/^http_unavailable_responses_total\{[^}]*cause="([a-z_]+)"[^}]*\} (\d+)$/gm)) counts[cause!] = Number(value);
  return counts;
}

/**
 * One of the product's roles as its own process, started through the real entry point
 * (dist/main.js, see buildProduct) in production mode on the bench database and exchange. Limits meant for
 * browsers are lifted where a bench user holds thousands of connections or sends fast.
 */
export function launchRole(
  ctx: BenchContext,
  role: 'gateway' | 'api' | 'notification',
  name: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return launch(name, {
    command: ['dist/main.js', role],
    readyPath: '/readyz',
    profile: ctx.profile,
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: ctx.database.url,
      AMQP_URL,
      AMQP_EXCHANGE: ctx.feed.exchange,
      JWT_SECRET,
      TRANSCRIPT_SIGNING_KEY,
      LOG_LEVEL: 'warn',
      GATEWAY_MAX_CONNECTIONS_PER_USER: '100000',
      CHAT_RATE_LIMIT_PER_MINUTE: '1000000',
      TRADE_OPEN_RATE_LIMIT_PER_MINUTE: '1000000',
      TRADE_OPEN_PAIR_RATE_LIMIT_PER_MINUTE: '1000000',
      // Scrapes (profiles, the failover figures) authenticate as Prometheus would.
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      ...env,
    },
  });
}
