import { Agent, request } from 'node:http';
import type { BenchContext } from '../context.js';
import { cpuTimeMs } from '../infra/proc.js';
import { bearer, rest } from '../infra/rest-client.js';
import { Samples, type Percentiles } from '../load/samples.js';
import { launchRole } from '../servers/roles.js';
import type { SyncResponse } from '../../src/contract/shapes.js';

const WAIT_SECONDS = 25;
// Users' first (plain) syncs in flight at once while the fleet starts.
const START_CONCURRENCY = 100;
const SETTLE_MS = 5_000;
const DELIVERY_GRACE_MS = 10_000;

export interface LongPollResult {
  users: number;
  messagesPerSecond: number;
  seconds: number;
  sent: number;
  /** Commit (the message's timestamp, the database clock) -> the long poll's answer arriving (ms). */
  latency: Percentiles;
  /** The sends themselves, request -> 201 (ms): a slow commit shows here as much as in `latency`. */
  send: Percentiles;
  /** The sender's 201 -> each answer (ms; negative when the answer came first): what the sync path adds after the commit. */
  afterSend: Percentiles;
  expectedDeliveries: number;
  lost: number;
  duplicated: number;
  /** Answers other than 200 (503: the held bound). */
  errors: number;
  apiCpuMsPerSecond: number;
}

interface User {
  id: string;
  tradeId: string;
  after: number;
  tradesCursor: string | undefined;
  received: Map<string, number>;
}

/**
 * 5,000 users in fallback, each long-polling the sync route for the one trade it shares with
 * another user, on one api process; a sender commits chat messages at a steady rate to random
 * trades. Every message must reach both of its trade's users exactly once.
 */
export async function runLongPoll(ctx: BenchContext): Promise<LongPollResult> {
  const { longPollUsers, messagesPerSecond, longPollSeconds } = ctx.plan.sync;
  ctx.log(`long poll: starting api, ${longPollUsers} users`);
  const api = await launchRole(ctx, 'api', 'api-long-poll');
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  try {
    const trades = await ctx.database.seedTrades(`bench-lp-${Date.now()}`, longPollUsers / 2);
    const users: User[] = trades.flatMap((t) =>
      [t.buyerId, t.sellerId].map((id) => ({ id, tradeId: t.id, after: 0, tradesCursor: undefined, received: new Map() })),
    );
    const url = new URL(api.baseUrl);
    const latency = new Samples(4096);
    const afterSend = new Samples(4096);
    const answeredAt = new Map<string, number[]>();
    let errors = 0;
    let running = true;

    const get = (user: User, wait: number) =>
      new Promise<SyncResponse | undefined>((resolve) => {
        const cursor = user.tradesCursor === undefined ? '' : `&tradesAfter=${user.tradesCursor}`;
        const path = `/p2p/sync?trades=${user.tradeId}:${user.after}${cursor}&wait=${wait}`;
        const req = request({ agent, host: url.hostname, port: url.port, path, headers: { Authorization: bearer(user.id) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) {
              errors++;
              return resolve(undefined);
            }
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SyncResponse);
          });
        });
        req.on('error', () => resolve(undefined));
        req.end();
      });
    const take = (user: User, res: SyncResponse) => {
      const now = Date.now();
      for (const m of res.chat[user.tradeId] ?? []) {
        latency.add(now - Date.parse(m.timestamp));
        answeredAt.set(m.id, [...(answeredAt.get(m.id) ?? []), now]);
        user.received.set(m.id, (user.received.get(m.id) ?? 0) + 1);
        user.after = m.seq;
      }
      user.tradesCursor = res.tradesCursor;
    };

    // Each user's first sync learns its trades cursor (and fills the api's cache).
    for (let i = 0; i < users.length; i += START_CONCURRENCY) {
      await Promise.all(
        users.slice(i, i + START_CONCURRENCY).map(async (u) => {
          const res = await get(u, 0);
          if (res) take(u, res);
        }),
      );
    }
    const loops = users.map(async (u) => {
      // The first wait is drawn at random, so the fleet's waits run out spread over time, as a
      // fleet's do once it has run a while (not all 5,000 in the same second).
      for (let wait = 1 + Math.floor(Math.random() * WAIT_SECONDS); running; wait = WAIT_SECONDS) {
        const res = await get(u, wait);
        if (res) take(u, res);
        else if (running) await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });
    // The fleet's first long polls arrive at once; the measurement is of the steady state after them.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    ctx.log(`long poll: ${users.length} users holding; sending ${messagesPerSecond}/s for ${longPollSeconds} s`);

    const sent = new Map<string, string[]>();
    const sendLatency = new Samples(4096);
    const createdAt = new Map<string, number>();
    const cpuBefore = cpuTimeMs(api.pid);
    const started = Date.now();
    let count = 0;
    for (let n = 0; Date.now() - started < longPollSeconds * 1000; n++) {
      const next = started + (n * 1000) / messagesPerSecond;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      const trade = trades[Math.floor(Math.random() * trades.length)]!;
      const sentAt = Date.now();
      const message = await rest<{ id: string }>(api.baseUrl, trade.buyerId, 'POST', `/p2p/trades/${trade.id}/chat`, { message: `long poll ${n}` });
      const created = Date.now();
      sendLatency.add(created - sentAt);
      createdAt.set(message.id, created);
      sent.set(trade.id, [...(sent.get(trade.id) ?? []), message.id]);
      count++;
    }
    const apiCpuMsPerSecond = (cpuTimeMs(api.pid) - cpuBefore) / ((Date.now() - started) / 1000);
    // The last messages' answers are on their way: a message not there within the grace is lost.
    const deliveredAll = () => users.every((u) => (sent.get(u.tradeId) ?? []).every((id) => u.received.has(id)));
    for (const deadline = Date.now() + DELIVERY_GRACE_MS; !deliveredAll() && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    running = false;
    agent.destroy();
    await Promise.all(loops);

    for (const [id, times] of answeredAt) for (const at of times) afterSend.add(at - createdAt.get(id)!);
    let expectedDeliveries = 0;
    let lost = 0;
    let duplicated = 0;
    for (const user of users) {
      const expected = sent.get(user.tradeId) ?? [];
      expectedDeliveries += expected.length;
      for (const id of expected) if (!user.received.has(id)) lost++;
      for (const times of user.received.values()) duplicated += times - 1;
    }
    const result: LongPollResult = {
      users: users.length,
      messagesPerSecond,
      seconds: longPollSeconds,
      sent: count,
      latency: latency.percentiles(),
      send: sendLatency.percentiles(),
      afterSend: afterSend.percentiles(),
      expectedDeliveries,
      lost,
      duplicated,
      errors,
      apiCpuMsPerSecond,
    };
    ctx.log(
      `long poll: p99 ${result.latency.p99.toFixed(1)} ms over ${result.latency.samples} deliveries, ${lost} lost, ${duplicated} duplicated, ${errors} errors`,
    );
    return result;
  } finally {
    agent.destroy();
    await api.stop();
  }
}
