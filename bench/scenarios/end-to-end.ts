import { performance } from 'node:perf_hooks';
import { destinations } from '../../src/contract/destinations.js';
import { ROUTING_KEYS } from '../../src/contract/routing-keys.js';
import type { BenchContext } from '../context.js';
import { BrokerProbe } from '../infra/broker-probe.js';
import { timeMarker } from '../infra/event-feed.js';
import { bearer, openTrade, rest } from '../infra/rest-client.js';
import { Fleet } from '../load/fleet.js';
import { Samples, type Percentiles } from '../load/samples.js';
import { StompLoadClient } from '../load/stomp-client.js';
import { gatewayUrls, launchRole } from '../servers/roles.js';
import { measureLatency, type Latency } from './measure.js';

const BUYER = 'bench-buyer';
const SELLER = 'bench-seller';

export type EndToEnd = Latency & {
  /** The REST call itself: request → 201 (auth, trade lookup, the transaction and its commit). */
  rest: Percentiles;
  /** REST send → the event on RabbitMQ (the above, then the outbox relay), from a plain AMQP consumer. */
  toBroker: Percentiles;
};

/**
 * REST chat send → PostgreSQL (row + outbox, one transaction) → relay → RabbitMQ → gateway →
 * socket, in the production topology: api and gateway as separate processes. The trade's buyer
 * and seller hold the connections half and half, all subscribed to its chat topic.
 */
export async function runEndToEnd(ctx: BenchContext): Promise<EndToEnd[]> {
  const { plan } = ctx;
  ctx.log('end to end: starting api and gateway');
  const [api, gateway] = await Promise.all([launchRole(ctx, 'api', 'api'), launchRole(ctx, 'gateway', 'gateway-e2e')]);
  const fleet = new Fleet((index, tally) => {
    const user = index % 2 === 0 ? BUYER : SELLER;
    const url = gatewayUrls(gateway.baseUrl).websocket;
    return StompLoadClient.open({ framing: 'raw', url, connectHeaders: { Authorization: bearer(user) } }, [destinations.tradeChat(tradeId)], tally);
  });
  let tradeId = '';
  const probe = await BrokerProbe.open(ctx.feed.exchange, ROUTING_KEYS.chatMessage);
  try {
    tradeId = await openTrade(api.baseUrl, BUYER, SELLER);
    let calls = new Samples(1024);
    const send = async () => {
      const sent = performance.now();
      await rest<unknown>(api.baseUrl, BUYER, 'POST', `/p2p/trades/${tradeId}/chat`, { message: timeMarker() });
      calls.add(performance.now() - sent);
    };
    const results: EndToEnd[] = [];
    for (const size of [...plan.endToEndSizes].sort((a, b) => b - a)) {
      fleet.shrink(size);
      await fleet.grow(size);
      probe.take();
      calls = new Samples(1024);
      const latency = await measureLatency(gateway, fleet, send, plan.latency.ratePerSecond, plan.latency.seconds);
      const toBroker = probe.take().percentiles();
      ctx.log(
        `end to end: ${size} connections, p50 ${latency.p50.toFixed(1)} / p99 ${latency.p99.toFixed(1)} ms (on the broker: p50 ${toBroker.p50.toFixed(1)} / p99 ${toBroker.p99.toFixed(1)} ms)`,
      );
      results.push({ ...latency, rest: calls.percentiles(), toBroker });
    }
    if (fleet.tally.dropped > 0) throw new Error(`the gateway dropped ${fleet.tally.dropped} clients`);
    return results;
  } finally {
    fleet.close();
    await probe.close();
    await Promise.all([api.stop(), gateway.stop()]);
  }
}
