// The failover scenario's load generator, in a process of its own so that its CPU is measured
// apart from the bench's: users of the project's client library in Node (the library's browser
// defaults and its list of gateway URLs), each watching one trade. Driven over IPC (failover-messages.ts).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../client/src/clock.js';
import { RealtimeClient } from '../../client/src/realtime-client.js';
import type { Fetch } from '../../client/src/rest-api.js';
import type { StompConnector } from '../../client/src/stomp-link.js';
import { socketOptions, stompjsConnector } from '../../client/src/stompjs-link.js';
import { endpointUrl } from '../../client/src/socket-transport.js';
import type { ChatMessage } from '../../client/src/wire.js';
import { issueToken } from '../../src/auth/jwt.js';
import WebSocket from 'ws';
import { AttemptTimeline } from './failover-attempts.js';
import { httpFetch } from './http-fetch.js';
import { emptyBucket, type FailoverSetup, type FromLoadGenerator, type RequestBucket, type ToLoadGenerator } from './failover-messages.js';

const BUCKET_MS = 250;

// The library's plain WebSocket is the browser's, which Node 20 lacks.
Object.assign(globalThis, { WebSocket: globalThis.WebSocket ?? WebSocket });

interface User {
  client: RealtimeClient;
  userId: string;
  tradeId: string;
  /** How often each message id was shown (the library's `message` event). */
  shown: Map<string, number>;
  leftLive: boolean;
  /** Its REST requests not answered yet: a client missing messages may be waiting on one. */
  inFlight: Set<{ at: number; url: string; method: string }>;
}

const send = (message: FromLoadGenerator) => process.send!(message);
const users: User[] = [];
let markedAt: number | undefined;
const buckets: RequestBucket[] = [];
const attempts = new AttemptTimeline();
const failures: Record<string, number> = {};
const fail = (counts: RequestBucket | undefined, status: string, catchUp: boolean) => {
  if (!counts) return;
  counts.failed++;
  if (catchUp) counts.catchUpsFailed++;
  const kind = catchUp ? `${status} catch-up` : status;
  failures[kind] = (failures[kind] ?? 0) + 1;
};

function bucket(): RequestBucket | undefined {
  if (markedAt === undefined) return undefined;
  const index = Math.floor((performance.now() - markedAt) / BUCKET_MS);
  while (buckets.length <= index) buckets.push(emptyBucket());
  return buckets[index];
}

const plainFetch = httpFetch();

/** fetch, counting the requests made after the mark by the time they were sent. */
const countedFetch: Fetch = async (url, init) => {
  const counts = bucket();
  const catchUp = url.includes('fresh=1');
  if (counts) counts.sent++;
  try {
    const res = await plainFetch(url, init);
    if (res.status >= 500) fail(counts, String(res.status), catchUp);
    else if (counts) counts.answered++;
    return res;
  } catch (err) {
    // The library abandons its held long poll once the socket is back, and a catch-up past its
    // deadline: no failure of the api, but the second is worth counting (is the deadline too short?).
    if (init.signal?.aborted) {
      if (counts && catchUp) counts.catchUpsAbandoned++;
      else if (counts) counts.abandoned++;
    } else fail(counts, 'error', catchUp);
    throw err;
  }
};

/**
 * The library's defaults for a browser (socketOptions, as index.ts applies them) with the two
 * gateways as its URL list, every client starting on the first: the one the bench will kill. The
 * transport is the library's option (`auto`, its default, unless told), at the URLs the library
 * forms for it.
 */
function connector(gatewayUrls: string[], transport: FailoverSetup['transport']): StompConnector {
  const urls = gatewayUrls.map((url) => endpointUrl(url, transport));
  return attempts.wrap(stompjsConnector({ ...socketOptions({ urls, transport }, ''), random: () => 0 }));
}

/** countedFetch, keeping the requests in flight for the log of a client still missing messages. */
function trackedFetch(inFlight: User['inFlight']): Fetch {
  return async (url, init) => {
    const request = { at: performance.now(), url, method: init.method };
    inFlight.add(request);
    try {
      return await countedFetch(url, init);
    } finally {
      inFlight.delete(request);
    }
  };
}

async function startUser(setup: FailoverSetup, token: string, userId: string, tradeId: string): Promise<User> {
  const inFlight: User['inFlight'] = new Set();
  const client = new RealtimeClient(
    { userId, getToken: () => token, baseUrl: setup.apiUrl },
    { connector: connector(setup.gatewayUrls, setup.transport), fetch: trackedFetch(inFlight), clock: systemClock, random: Math.random },
  );
  const user: User = { client, userId, tradeId, shown: new Map(), leftLive: false, inFlight };
  client.on('message', (message: ChatMessage) => user.shown.set(message.id, (user.shown.get(message.id) ?? 0) + 1));
  client.on('connection', (state) => {
    if (markedAt !== undefined && state !== 'live') user.leftLive = true;
  });
  client.start();
  await retrying(() => client.watchTrade(tradeId));
  while (client.state !== 'live') await sleep(50);
  return user;
}

/** An api too busy to answer is what this load is about: try again, as a user reloading would. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch {
      await sleep(1_000);
    }
  }
}

async function start(setup: FailoverSetup): Promise<void> {
  const tokens = new Map<string, string>();
  const tokenOf = (userId: string) => tokens.get(userId) ?? tokens.set(userId, issueToken(setup.jwtSecret, userId)).get(userId)!;
  let next = 0;
  const worker = async () => {
    while (next < setup.clients.length) {
      const { userId, tradeId } = setup.clients[next++]!;
      users.push(await startUser(setup, tokenOf(userId), userId, tradeId));
    }
  };
  await Promise.all(Array.from({ length: setup.startConcurrency }, worker));
  send({ type: 'ready', clients: users.length });
}

/** Waits up to `settleMs` for every client to show every stored message, then counts. */
async function verify(settleMs: number): Promise<void> {
  // Read as each user: a side does not see the other side's system messages.
  const stored = new Map<string, ChatMessage[]>();
  for (const user of users) {
    const key = `${user.userId} ${user.tradeId}`;
    if (!stored.has(key)) stored.set(key, await retrying(() => user.client.api.chatAfterSeq(user.tradeId, 0, 1000)));
  }
  const count = () => {
    let [expected, lost, duplicated, clientsMissingSome] = [0, 0, 0, 0];
    const missingByState: Record<string, number> = {};
    const missingSamples: string[] = [];
    for (const user of users) {
      const want = stored.get(`${user.userId} ${user.tradeId}`)!;
      expected += want.length;
      const missing = want.filter((m) => !user.shown.has(m.id));
      for (const times of user.shown.values()) duplicated += times - 1;
      lost += missing.length;
      if (missing.length > 0) {
        clientsMissingSome++;
        missingByState[user.client.state] = (missingByState[user.client.state] ?? 0) + 1;
        if (missingSamples.length < MISSING_SAMPLES) missingSamples.push(missingSample(user, missing));
      }
    }
    return { expected, lost, duplicated, clientsMissingSome, missingByState, missingSamples };
  };
  const deadline = performance.now() + settleMs;
  let counted = count();
  while (counted.lost > 0 && performance.now() < deadline) {
    await sleep(250);
    counted = count();
  }
  send({ type: 'verified', ...counted, failures, bucketMs: BUCKET_MS, buckets, attempts: attempts.seconds });
}

const back = (u: User) => u.leftLive && u.client.state === 'live';

// Per process: enough to see what the missing messages have in common.
const MISSING_SAMPLES = 5;

/** A client missing messages, for the log: which seqs, committed when, against what it showed and what it waits on. */
function missingSample(user: User, missing: ChatMessage[]): string {
  const shown = user.client.messages(user.tradeId).map((m) => m.seq);
  const missed = missing.map((m) => `seq ${m.seq} at ${m.timestamp}${m.isSystemMessage ? ' (system)' : ''}`);
  const oldest = [...user.inFlight].sort((a, b) => a.at - b.at)[0];
  const waiting = oldest
    ? `${user.inFlight.size} request(s) in flight, the oldest ${oldest.method} ${oldest.url} for ${((performance.now() - oldest.at) / 1000).toFixed(1)} s`
    : 'no request in flight';
  return `${user.userId} in ${user.tradeId} (${user.client.state}): missing ${missed.join(', ')}; shows seqs [${shown.join(', ')}]; ${waiting}`;
}

process.on('message', (message: ToLoadGenerator) => {
  if (message.type === 'start') void start(message.setup);
  else if (message.type === 'mark') {
    markedAt = performance.now();
    attempts.mark();
    send({ type: 'marked' });
  } else if (message.type === 'status') {
    send({
      type: 'status',
      live: users.filter((u) => u.client.state === 'live').length,
      leftLive: users.filter((u) => u.leftLive).length,
      back: users.filter(back).length,
    });
  } else void verify(message.settleMs);
});
// The bench going away ends the run: stop rather than keep thousands of clients reconnecting.
process.on('disconnect', () => process.exit(0));
