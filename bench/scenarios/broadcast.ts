import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.js';
import { measureIdleMemory, measureLatency, measureThroughput, type IdleMemory, type Latency, type Throughput } from './measure.js';
import { FANOUT_USER, TARGETS, type TargetName } from './targets.js';

export interface BroadcastResult {
  target: TargetName;
  label: string;
  idleMemory: IdleMemory;
  fanout: Throughput[];
  latency: Latency;
}

/**
 * One server's pass: idle memory at the largest size, fan-out at every size (closing clients
 * from the largest down, so nobody reconnects) and publish → socket latency on the way.
 */
export async function runBroadcast(ctx: BenchContext, name: TargetName): Promise<BroadcastResult> {
  const { plan } = ctx;
  const target = TARGETS[name];
  ctx.log(`${target.label}: starting`);
  const server = await target.start(ctx);
  const { fleet } = server;
  const publish = () => ctx.feed.publish(FANOUT_USER);
  try {
    const idleMemory = await measureIdleMemory(server, fleet, plan.idleConnections);
    ctx.log(`${target.label}: ${(idleMemory.bytesPerConnection / 1024).toFixed(1)} KB per idle connection at ${plan.idleConnections}`);
    const fanout: Throughput[] = [];
    let latency: Latency | undefined;
    const sizes = [...new Set([...plan.fanoutSizes, plan.latency.subscribers])].sort((a, b) => b - a);
    for (const size of sizes) {
      fleet.shrink(size);
      await fleet.grow(size);
      // Let the server finish closing the sockets just dropped before timing it.
      await sleep(500);
      if (plan.fanoutSizes.includes(size)) {
        const result = await measureThroughput(server, fleet, publish, plan);
        fanout.push(result);
        ctx.log(
          `${target.label}: ${size} subscribers, ${Math.round(result.deliveriesPerSecond)} deliveries/s, ${result.cpuUsPerDelivery.toFixed(1)} us CPU each`,
        );
      }
      if (size === plan.latency.subscribers) {
        latency = await measureLatency(server, fleet, publish, plan.latency.ratePerSecond, plan.latency.seconds);
        ctx.log(`${target.label}: latency p50 ${latency.p50.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms`);
      }
    }
    if (fleet.tally.dropped > 0) throw new Error(`${target.label} dropped ${fleet.tally.dropped} clients`);
    // `sizes` includes the latency run's size, so it ran.
    return { target: name, label: target.label, idleMemory, fanout, latency: latency! };
  } finally {
    await server.stop();
  }
}
