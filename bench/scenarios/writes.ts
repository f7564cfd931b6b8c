import type { BenchContext } from '../context.js';
import { bearer, openTrade } from '../infra/rest-client.js';
import { startChatSender, type ChatSend } from '../load/chat-sender.js';
import { httpLoad, type HttpLoadResult } from '../load/http-load.js';
import { Samples, type Percentiles } from '../load/samples.js';
import { launchRole, unavailableByCause } from '../servers/roles.js';

const POLLER = 'bench-storm-buyer';
const PAGE = 100;
const HISTORY = 10_000;

export interface SendsRun {
  name: string;
  sends: number;
  /** Not answered 201 (a 503, a 500, no answer in 10 s). */
  failed: number;
  /** Of the answered 201s. */
  latency: Percentiles;
  /** The poll storm beside them, when there was one: served (200) and refused (any other answer). */
  polls: (HttpLoadResult & { concurrency: number }) | undefined;
  /**
   * The api's own count of its 503s by cause after the run, cumulative since it started: the
   * baseline runs first, so the storm's figures include its (none expected).
   */
  unavailable: Record<string, number>;
}

export interface WritesResult {
  chatPerSecond: number;
  runs: SendsRun[];
}

/**
 * Chat sends during a poll storm (issue 8: sends failed with 500 while polls held the database
 * pool). The same open-loop sends on one api process twice: alone (the baseline), then while
 * closed-loop pollers read pages of a long chat as fast as the api answers them.
 */
export async function runWrites(ctx: BenchContext): Promise<WritesResult> {
  const { chatPerSecond, pollers, seconds } = ctx.plan.writes;
  ctx.log('writes: starting api');
  const api = await launchRole(ctx, 'api', 'api-writes');
  try {
    const polled = await openTrade(api.baseUrl, POLLER, 'bench-storm-seller');
    await ctx.database.seedChat(polled, HISTORY);
    const chatTrade = { id: await openTrade(api.baseUrl, 'bench-send-buyer', 'bench-send-seller'), buyer: 'bench-send-buyer', seller: 'bench-send-seller' };
    const sendFor = async (storm: boolean): Promise<SendsRun> => {
      const sender = startChatSender(api.baseUrl, [chatTrade], chatPerSecond);
      const polls = storm
        ? await httpLoad({
            baseUrl: api.baseUrl,
            path: () => `/p2p/trades/${polled}/chat?afterSeq=${Math.floor(Math.random() * (HISTORY - PAGE))}&limit=${PAGE}`,
            headers: { Authorization: bearer(POLLER) },
            concurrency: pollers,
            seconds,
          })
        : await new Promise<undefined>((resolve) => setTimeout(resolve, seconds * 1000));
      await sender.stop();
      const run = summarise(storm ? `sends during ${pollers} pollers` : 'sends alone (baseline)', sender.sends);
      ctx.log(`writes: ${run.name}: ${run.failed} of ${run.sends} failed, p99 ${run.latency.p99.toFixed(1)} ms`);
      return { ...run, polls: polls && { ...polls, concurrency: pollers }, unavailable: await unavailableByCause(api.baseUrl) };
    };
    return { chatPerSecond, runs: [await sendFor(false), await sendFor(true)] };
  } finally {
    await api.stop();
  }
}

function summarise(name: string, sends: ChatSend[]): Omit<SendsRun, 'polls' | 'unavailable'> {
  const latency = new Samples(sends.length);
  // The first try's answer: the api's own, before any retry of the library's.
  for (const s of sends) if (s.firstStatus === 201) latency.add(s.firstMs);
  return { name, sends: sends.length, failed: sends.length - latency.count, latency: latency.percentiles() };
}
