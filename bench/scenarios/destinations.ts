import { randomUUID } from 'node:crypto';
import { destinations } from '../../src/contract/destinations.js';
import type { BenchContext } from '../context.js';
import { bearer } from '../infra/rest-client.js';
import { Fleet } from '../load/fleet.js';
import { StompLoadClient, type StompEndpoint } from '../load/stomp-client.js';
import { gatewayUrls, launchRole } from '../servers/roles.js';
import { measureThroughput, type Throughput } from './measure.js';

const USER = 'bench-destinations';
// The gateway's default limit per connection; administrators may subscribe to any trade's topic
// without a database lookup, so one admin connection holds this many distinct destinations.
const SUBSCRIPTIONS_PER_CONNECTION = 100;

export interface DestinationsResult {
  subscribers: number;
  few: { destinations: number; runs: Throughput[] };
  many: { destinations: number; runs: Throughput[] };
  /** Deliveries/s with many other destinations over deliveries/s with few (1 = no cost). */
  throughputRatio: number;
  /** CPU per delivery with few over with many (1 = no cost). */
  cpuRatio: number;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Publishing to one destination while few, then many, other destinations are subscribed, on
 * one gateway process: alternating the two a few times keeps drift of a noisy machine out of
 * the ratio.
 */
export async function runDestinations(ctx: BenchContext): Promise<DestinationsResult> {
  const { plan } = ctx;
  const { subscribers, few, many, rounds } = plan.destinations;
  ctx.log('destinations: starting a gateway');
  const gateway = await launchRole(ctx, 'gateway', 'gateway-destinations');
  const endpoint = (userId: string, admin = false): StompEndpoint => ({
    framing: 'raw',
    url: gatewayUrls(gateway.baseUrl).websocket,
    connectHeaders: { Authorization: bearer(userId, { admin }) },
  });
  const target = new Fleet((_, tally) => StompLoadClient.open(endpoint(USER), [destinations.userNotifications(USER)], tally));
  const others = new Fleet((_, tally) =>
    StompLoadClient.open(
      endpoint('bench-admin', true),
      Array.from({ length: SUBSCRIPTIONS_PER_CONNECTION }, () => destinations.trade(randomUUID())),
      tally,
    ),
  );
  const publish = () => ctx.feed.publish(USER);
  const result: DestinationsResult = {
    subscribers,
    few: { destinations: few, runs: [] },
    many: { destinations: many, runs: [] },
    throughputRatio: 0,
    cpuRatio: 0,
  };
  try {
    await target.grow(subscribers);
    for (let round = 0; round < rounds; round++) {
      for (const side of [result.few, result.many]) {
        others.shrink(side.destinations / SUBSCRIPTIONS_PER_CONNECTION);
        await others.grow(side.destinations / SUBSCRIPTIONS_PER_CONNECTION);
        const run = await measureThroughput(gateway, target, publish, plan);
        ctx.log(
          `destinations: ${side.destinations} others, ${Math.round(run.deliveriesPerSecond)} deliveries/s, ${run.cpuUsPerDelivery.toFixed(1)} us CPU each`,
        );
        side.runs.push(run);
      }
    }
    const dps = (runs: Throughput[]) => mean(runs.map((r) => r.deliveriesPerSecond));
    const cpu = (runs: Throughput[]) => mean(runs.map((r) => r.cpuUsPerDelivery));
    result.throughputRatio = dps(result.many.runs) / dps(result.few.runs);
    result.cpuRatio = cpu(result.few.runs) / cpu(result.many.runs);
    return result;
  } finally {
    target.close();
    others.close();
    await gateway.stop();
  }
}
