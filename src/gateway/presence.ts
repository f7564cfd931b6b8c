import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PresenceSettings } from '../config/gateway-settings.js';
import { destinations, parseDestination } from '../contract/destinations.js';
import type { GatewayPresenceEvent, PresenceEvent, TradeParty } from '../contract/events.js';
import { TRANSIENT_ROUTING_KEYS } from '../contract/routing-keys.js';
import type { TradeParties } from '../domain/trade-access.js';
import { gatewayPresenceEvent } from '../events/events.js';
import type { EventBus } from '../messaging/event-bus.js';
import { PresenceTable } from './presence-table.js';
import type { Subscriber, SubscriptionObserver, SubscriptionRegistry } from './subscription-registry.js';

export interface PresenceDeps {
  bus: EventBus;
  registry: SubscriptionRegistry;
  trades: TradeParties;
  logger: Logger;
  /** Base name of this gateway's own queue of the other gateways' presence messages. */
  queue: string;
}

/** Follows the registry's chat subscriptions (registry.observe) and serves the presence topics. */
export interface Presence extends SubscriptionObserver {
  counts(): { held: number; peers: number };
  /**
   * After the sessions closed: stops, and tells the other gateways to keep this gateway's parties
   * for one grace period only, in which their clients reconnect elsewhere without flapping.
   */
  stop(): Promise<void>;
}

const json = (value: PresenceEvent) => Buffer.from(JSON.stringify(value));
const isParty = (subscriber: Subscriber) => subscriber.role === 'BUYER' || subscriber.role === 'SELLER';

/**
 * Presence across gateways on the event bus alone (docs/gateway.md, "Presence and typing"): each
 * gateway announces the parties it holds, as changes when they happen and as a snapshot every
 * `refreshMs` that holds for `ttlMs`; a killed gateway's snapshot lapses, and its parties go
 * offline. Announcements are transient: a lost one is made good by the next snapshot.
 */
export async function startPresence(settings: PresenceSettings, deps: PresenceDeps): Promise<Presence> {
  const { bus, registry, logger } = deps;
  const gatewayId = randomUUID();
  let stopped = false;

  const announce = (fields: Omit<GatewayPresenceEvent, 'eventId' | 'gatewayId' | 'ttlMs'>, ttlMs = settings.ttlMs) =>
    bus.publishTransient(gatewayPresenceEvent({ eventId: randomUUID(), gatewayId, ttlMs, ...fields })).catch((err: unknown) => {
      // The bus logs its outages; the next snapshot after it makes good what was lost.
      logger.debug({ err }, 'presence announcement not sent');
    });
  const snapshot = (wantsSnapshots: boolean) => announce({ snapshot: true, held: table.held(), released: [], wantsSnapshots });

  // Changes of one event-loop turn go out as one message (a reconnect storm subscribes thousands).
  const changes = new Map<string, { party: TradeParty; held: boolean }>();
  const flushChanges = () => {
    const all = [...changes.values()];
    changes.clear();
    if (stopped) return;
    void announce({
      snapshot: false,
      held: all.filter((c) => c.held).map((c) => c.party),
      released: all.filter((c) => !c.held).map((c) => c.party),
      wantsSnapshots: false,
    });
  };

  const table = new PresenceTable(settings.graceMs, {
    changed: ({ tradeId, userId }, online) => {
      registry.publish({ destination: destinations.tradePresence(tradeId), body: json({ tradeId, userId, online }), audience: null });
    },
    held: (party, held) => {
      if (changes.size === 0) setImmediate(flushChanges);
      changes.set(`${party.tradeId} ${party.userId}`, { party, held });
    },
  });

  const consumer = await bus.consume(
    {
      queue: deps.queue,
      delivery: 'per-instance',
      routingKeys: [TRANSIENT_ROUTING_KEYS.gatewayPresence],
      // Joined, or back after losing the broker: what the others hold may have changed unheard.
      onStateChange: (consuming) => consuming && !stopped && void snapshot(true),
    },
    async (event) => {
      if (stopped || event.type !== 'GatewayPresenceEvent' || event.payload.gatewayId === gatewayId) return;
      table.applyRemote(event.payload);
      if (event.payload.wantsSnapshots) void snapshot(false);
    },
  );
  const refresh = setInterval(() => void snapshot(false), settings.refreshMs);
  refresh.unref();

  /** The other parties' state, to a new subscriber of a trade's presence, after its RECEIPT. */
  const tellState = async (tradeId: string, destination: string, subscriber: Subscriber) => {
    let parties: { buyerId: string; sellerId: string };
    try {
      parties = await deps.trades.participants(tradeId);
    } catch (err) {
      // Access was granted a moment ago, so the trade exists: the database is failing.
      logger.warn({ err, tradeId }, 'cannot tell a presence subscriber the current state');
      return;
    }
    if (stopped) return;
    for (const userId of [parties.buyerId, parties.sellerId]) {
      if (userId !== subscriber.userId) registry.deliverTo(subscriber, destination, json({ tradeId, userId, online: table.isOnline({ tradeId, userId }) }));
    }
  };

  return {
    counts: () => table.counts(),
    added(destination, subscriber) {
      const parsed = parseDestination(destination);
      if (parsed?.kind === 'trade-chat' && isParty(subscriber)) table.subscribed({ tradeId: parsed.tradeId, userId: subscriber.userId });
      else if (parsed?.kind === 'trade-presence') void tellState(parsed.tradeId, destination, subscriber);
    },
    removed(destination, subscriber) {
      const parsed = parseDestination(destination);
      if (parsed?.kind === 'trade-chat' && isParty(subscriber)) table.unsubscribed({ tradeId: parsed.tradeId, userId: subscriber.userId });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(refresh);
      const held = table.held();
      table.close();
      await consumer.cancel().catch((err: unknown) => logger.warn({ err }, 'cancelling the presence consumer failed'));
      await announce({ snapshot: true, held, released: [], wantsSnapshots: false }, settings.graceMs);
    },
  };
}
