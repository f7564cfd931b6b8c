import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { appDestinations } from '../../src/contract/app-destinations.js';
import { destinations } from '../../src/contract/destinations.js';
import type { BenchContext } from '../context.js';
import { cpuTimeMs } from '../infra/proc.js';
import { bearer, openTrade } from '../infra/rest-client.js';
import { Samples, type Percentiles } from '../load/samples.js';
import { StompSender } from '../load/stomp-sender.js';
import { launchRole } from '../servers/roles.js';

type Part = 'api' | 'gateway' | 'total';

export interface SocketSendsRun {
  name: string;
  messages: number;
  /** Sends not answered with a 201 or a RECEIPT. */
  failed: number;
  /** Why, by HTTP status or user-error code. */
  failures: Record<string, number>;
  /** CPU per message over the api and gateway processes, idle use taken out (ms). */
  cpuMsPerMessage: Record<Part, number>;
  /** Send to answer (201 or RECEIPT), ms. */
  latency: Percentiles;
}

export interface SocketSendsResult {
  trades: number;
  perSecond: number;
  seconds: number;
  /** What the two processes use with nothing sent (heart-beats, the outbox poll), ms per second. */
  idleCpuMsPerSecond: Record<Part, number>;
  runs: SocketSendsRun[];
}

const DELIVERY_TIMEOUT_MS = 30_000;

/**
 * Issue 11: the total CPU a chat message costs the api and the gateway when sent over the socket
 * (SEND /app/trades/{id}/chat, which the gateway hands to the api over HTTP) against the same
 * message sent over REST (the baseline). The same open-loop rate both ways, and in both the
 * other party is subscribed to the chat on the gateway, so storing, relaying and pushing cost
 * the same and the difference is the socket path's own.
 */
export async function runSocketSends(ctx: BenchContext): Promise<SocketSendsResult> {
  const { trades: tradeCount, perSecond, seconds } = ctx.plan.socketSends;
  ctx.log('socket sends: starting api and gateway');
  const api = await launchRole(ctx, 'api', 'api-sends');
  const gateway = await launchRole(ctx, 'gateway', 'gateway-sends', { API_URL: api.baseUrl }).catch(async (err: unknown) => {
    await api.stop();
    throw err;
  });
  const sockets: StompSender[] = [];
  try {
    // One at a time: a burst of trade opens is what the api answers "database busy" to.
    const trades: { id: string; buyer: string; receiver: StompSender; sender: StompSender }[] = [];
    for (let i = 0; i < tradeCount; i++) {
      const [buyer, seller] = [`bench-sends-buyer-${i}`, `bench-sends-seller-${i}`];
      const id = await openTrade(api.baseUrl, buyer, seller);
      const receiver = await StompSender.open(gateway.baseUrl, bearer(seller), destinations.tradeChat(id));
      const sender = await StompSender.open(gateway.baseUrl, bearer(buyer));
      sockets.push(receiver, sender);
      trades.push({ id, buyer, receiver, sender });
    }
    const delivered = () => trades.reduce((sum, t) => sum + t.receiver.messages, 0);
    const cpu = (): Record<Part, number> => {
      const [a, g] = [cpuTimeMs(api.pid), cpuTimeMs(gateway.pid)];
      return { api: a, gateway: g, total: a + g };
    };
    let n = 0;
    const viaRest = async (t: (typeof trades)[number]) => {
      const res = await fetch(`${api.baseUrl}/p2p/trades/${t.id}/chat`, {
        method: 'POST',
        headers: { Authorization: bearer(t.buyer), 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: `rest ${n++}: tin nhắn` }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(String(res.status));
    };
    const viaSocket = (t: (typeof trades)[number]) => t.sender.send(appDestinations.chat(t.id), JSON.stringify({ message: `socket ${n++}: tin nhắn` }));

    // Warm-up: both paths once per trade, so neither run pays for compiling the other's code.
    for (const t of trades) {
      await viaRest(t);
      await viaSocket(t);
    }
    await waitFor(() => delivered() === 2 * trades.length);

    ctx.log(`socket sends: idle for ${seconds} s`);
    const idleStart = cpu();
    const idleAt = performance.now();
    await sleep(seconds * 1000);
    const idleEnd = cpu();
    const idleSeconds = (performance.now() - idleAt) / 1000;
    const idleCpuMsPerSecond = perPart((p) => (idleEnd[p] - idleStart[p]) / idleSeconds);

    const run = async (name: string, send: (t: (typeof trades)[number]) => Promise<void>): Promise<SocketSendsRun> => {
      ctx.log(`socket sends: ${name}, ${perSecond}/s for ${seconds} s`);
      const expected = delivered() + perSecond * seconds;
      const latency = new Samples(perSecond * seconds);
      const start = cpu();
      const startedAt = performance.now();
      const pending: Promise<void>[] = [];
      let failed = 0;
      const failures: Record<string, number> = {};
      for (let i = 0; i < perSecond * seconds; i++) {
        // Open loop: each send at its planned time, whatever the earlier ones are doing.
        const due = startedAt + (i * 1000) / perSecond;
        if (due > performance.now()) await sleep(due - performance.now());
        const sentAt = performance.now();
        pending.push(
          send(trades[i % trades.length]!).then(
            () => latency.add(performance.now() - sentAt),
            (err: Error) => {
              failed++;
              failures[err.message] = (failures[err.message] ?? 0) + 1;
            },
          ),
        );
      }
      await Promise.all(pending);
      await waitFor(() => delivered() >= expected - failed);
      const end = cpu();
      const elapsedSeconds = (performance.now() - startedAt) / 1000;
      const messages = perSecond * seconds - failed;
      const result = {
        name,
        messages,
        failed,
        failures,
        cpuMsPerMessage: perPart((p) => (end[p] - start[p] - idleCpuMsPerSecond[p] * elapsedSeconds) / messages),
        latency: latency.percentiles(),
      };
      ctx.log(`socket sends: ${name}: ${result.cpuMsPerMessage.total.toFixed(2)} ms CPU per message, ${failed} failed ${JSON.stringify(failures)}`);
      return result;
    };
    const runs = [await run('REST POST /p2p/trades/{id}/chat (baseline)', viaRest), await run('socket SEND /app/trades/{id}/chat', viaSocket)];
    return { trades: tradeCount, perSecond, seconds, idleCpuMsPerSecond, runs };
  } finally {
    for (const socket of sockets) socket.close();
    await gateway.stop();
    await api.stop();
  }
}

function perPart(value: (part: Part) => number): Record<Part, number> {
  return { api: value('api'), gateway: value('gateway'), total: value('total') };
}

async function waitFor(done: () => boolean): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('socket sends: messages were not delivered in time');
    await sleep(20);
  }
}
