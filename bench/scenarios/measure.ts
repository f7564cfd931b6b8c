import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTimeMs, rssBytes } from '../infra/proc.js';
import type { Fleet } from '../load/fleet.js';
import { publishAtRate, saturate, type Publish } from '../load/pacer.js';
import { Samples, type Percentiles } from '../load/samples.js';
import { SATURATION_WINDOW, type Plan } from '../settings.js';

/** The process whose CPU time and memory are the server's. */
export interface Measured {
  pid: number;
  /** A full collection; Node servers also report their heap (Erlang's VM does not). */
  gc(): Promise<NodeJS.MemoryUsage | undefined>;
}

export interface Throughput {
  subscribers: number;
  deliveriesPerSecond: number;
  /** Server CPU time (user + system, all threads) per MESSAGE delivered, in microseconds. */
  cpuUsPerDelivery: number;
  /** Server CPU time over wall time: 1 = one core busy. */
  serverCores: number;
}

/** Fan-out at full rate: a warm-up, then one window over which deliveries and server CPU are counted (each at least a burst, see deliveredAtLeast). */
export async function measureThroughput(server: Measured, fleet: Fleet, publish: Publish, plan: Plan): Promise<Throughput> {
  const [base, burst] = [fleet.tally.deliveries, SATURATION_WINDOW * fleet.size];
  const run = saturate(publish, fleet.tally, fleet.size, SATURATION_WINDOW);
  try {
    await sleep(plan.warmupSeconds * 1000);
    await deliveredAtLeast(fleet, base + burst);
    const [t0, d0, c0] = [performance.now(), fleet.tally.deliveries, cpuTimeMs(server.pid)];
    await sleep(plan.measureSeconds * 1000);
    await deliveredAtLeast(fleet, d0 + burst);
    const [t1, d1, c1] = [performance.now(), fleet.tally.deliveries, cpuTimeMs(server.pid)];
    const deliveries = d1 - d0;
    return {
      subscribers: fleet.size,
      deliveriesPerSecond: deliveries / ((t1 - t0) / 1000),
      cpuUsPerDelivery: ((c1 - c0) * 1000) / deliveries,
      serverCores: (c1 - c0) / (t1 - t0),
    };
  } finally {
    await run.stop();
  }
}

// Longer than the pacer's stall limit, which then reports the stall when the run stops.
const BURST_TIMEOUT_MS = 20_000;

/**
 * Waits until the fleet has counted `deliveries`. A server reads the broker's messages in bursts
 * of up to SATURATION_WINDOW and writes a whole burst before any of it leaves (tick-batch.ts):
 * at 5,000 SockJS subscribers a burst is some 1.3 s of CPU, several seconds on a busy machine.
 * So the warm-up lasts at least one burst and the counted window holds at least one, else a
 * window between two bursts counted 0 deliveries/s.
 */
async function deliveredAtLeast(fleet: Fleet, deliveries: number): Promise<void> {
  const deadline = Date.now() + BURST_TIMEOUT_MS;
  while (fleet.tally.deliveries < deliveries && Date.now() < deadline) await sleep(20);
}

export type Latency = Percentiles & {
  subscribers: number;
  ratePerSecond: number;
  /** Server CPU per delivery at this rate, where each publication is handled on its own. */
  cpuUsPerDelivery: number;
};

/** Publish → delivery latency of every delivery, at a fixed publish rate. */
export async function measureLatency(server: Measured, fleet: Fleet, publish: Publish, ratePerSecond: number, seconds: number): Promise<Latency> {
  const samples = new Samples(Math.ceil(fleet.size * ratePerSecond * seconds));
  fleet.tally.latency = samples;
  const [d0, c0] = [fleet.tally.deliveries, cpuTimeMs(server.pid)];
  try {
    await publishAtRate(publish, fleet.tally, fleet.size, ratePerSecond, seconds);
  } finally {
    fleet.tally.latency = undefined;
  }
  const cpuUsPerDelivery = ((cpuTimeMs(server.pid) - c0) * 1000) / (fleet.tally.deliveries - d0);
  return { subscribers: fleet.size, ratePerSecond, cpuUsPerDelivery, ...samples.percentiles() };
}

export interface IdleMemory {
  connections: number;
  /** Server RSS growth from no connection to all, per connection, after a full GC both times. */
  bytesPerConnection: number;
  /**
   * Growth of the JavaScript objects live after a full GC, per connection (Node servers): what
   * connections retain. RSS also holds V8's young generation, which grows to its maximum
   * (tens of MB, whatever the server) while thousands of handshakes allocate.
   */
  heapBytesPerConnection: number | undefined;
}

/** Connects the fleet up to `connections` (subscribed, then idle) and charges the memory growth to them. */
export async function measureIdleMemory(server: Measured, fleet: Fleet, connections: number): Promise<IdleMemory> {
  const settled = async () => {
    await sleep(1_000);
    const heap = (await server.gc())?.heapUsed;
    await sleep(500);
    return { rss: rssBytes(server.pid), heap };
  };
  const before = await settled();
  const added = connections - fleet.size;
  await fleet.grow(connections);
  const after = await settled();
  const heapBytesPerConnection = before.heap === undefined || after.heap === undefined ? undefined : (after.heap - before.heap) / added;
  return { connections, bytesPerConnection: (after.rss - before.rss) / added, heapBytesPerConnection };
}
