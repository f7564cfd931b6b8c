import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TransportOption } from '../client/src/socket-transport.js';
import { useServices } from '../test/support/services/for-this-run.js';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The bench's services: throwaway PostgreSQL and RabbitMQ (with the Web-STOMP plugin, the
 * comparison, and a raised open-file limit) as the test suites get them, removed when the run
 * ends (run.ts stops them after its own clean-up, also when interrupted); or existing ones
 * named by TEST_PG_ADMIN_URL / TEST_AMQP_URL.
 */
export const SERVICES = await useServices({ webStomp: true, stopOnSignal: false });
export const { amqpUrl: AMQP_URL, pgAdminUrl: PG_ADMIN_URL } = SERVICES;

/** HS256 secret every server under test verifies CONNECT tokens with (the load generator signs). */
export const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
/** The api's transcript signing key (TRANSCRIPT_SIGNING_KEY), one per bench run. */
export const TRANSCRIPT_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** What one run measures and for how long. `quick` keeps the whole run under about two minutes. */
export interface Plan {
  name: 'full' | 'quick';
  /** Fan-out sizes, largest first: each pass connects the largest and closes clients down to the next. */
  fanoutSizes: number[];
  /** Connections at which idle memory is measured (the first fan-out size). */
  idleConnections: number;
  /** Subscribers and publish rate of the latency runs. */
  latency: { subscribers: number; ratePerSecond: number; seconds: number };
  /** Connections of the REST → socket runs. */
  endToEndSizes: number[];
  warmupSeconds: number;
  measureSeconds: number;
  /** Other destinations subscribed while one is published to, and how often the pair is repeated. */
  destinations: { subscribers: number; few: number; many: number; rounds: number };
  polling: { messages: number; concurrency: number; seconds: number };
  /** The sync route: closed-loop req/s runs, and a fleet of long-polling users fed by one sender. */
  sync: { concurrency: number; seconds: number; longPollUsers: number; messagesPerSecond: number; longPollSeconds: number };
  /**
   * Client-library users on a gateway that is then killed; chat over REST meanwhile. Two clients
   * per trade (its buyer and seller) makes every client a user of its own, as issue 8 measured:
   * with many clients per user, the api's per-user share of held long polls
   * (SYNC_MAX_HELD_PER_USER) answers most of their long polls at once, and they poll every 2 s.
   */
  failover: {
    clients: number;
    clientsPerTrade: number;
    chatPerSecond: number;
    steadySeconds: number;
    /** The client library's transport option (`auto`, its default, unless told). */
    transport: TransportOption;
    /**
     * The load generator's nice value (0-19). Browsers have CPUs of their own, the generator shares
     * the servers': at 0 (the default) its four processes are their equals, at 19 they run only
     * on what the servers leave (docs/benchmarks.md has runs of both).
     */
    generatorNice: number;
  };
  /** Chat sends alone, then during a storm of closed-loop pollers. */
  writes: { chatPerSecond: number; pollers: number; seconds: number };
  /** Chat sent over REST, then the same over the socket (SEND /app/...), at one rate over some trades. */
  socketSends: { trades: number; perSecond: number; seconds: number };
  /** Sessions set up per transport (CONNECT and three subscriptions), so many at a time. */
  sessionSetups: { sessions: number; concurrency: number };
}

export const PLANS: Record<Plan['name'], Plan> = {
  full: {
    name: 'full',
    fanoutSizes: [5000, 1000, 100],
    idleConnections: 5000,
    // 30 s = 150 messages: one slow message (1,000 samples) is then under 1% of the samples.
    latency: { subscribers: 1000, ratePerSecond: 5, seconds: 30 },
    endToEndSizes: [5000, 1000, 100],
    warmupSeconds: 1.5,
    measureSeconds: 5,
    destinations: { subscribers: 100, few: 100, many: 10_000, rounds: 2 },
    polling: { messages: 10_000, concurrency: 16, seconds: 8 },
    sync: { concurrency: 50, seconds: 8, longPollUsers: 5000, messagesPerSecond: 1, longPollSeconds: 60 },
    failover: { clients: 5000, clientsPerTrade: 2, chatPerSecond: 20, steadySeconds: 3, transport: 'auto', generatorNice: 0 },
    writes: { chatPerSecond: 20, pollers: 400, seconds: 10 },
    socketSends: { trades: 20, perSecond: 20, seconds: 10 },
    sessionSetups: { sessions: 2000, concurrency: 50 },
  },
  quick: {
    name: 'quick',
    fanoutSizes: [1000],
    idleConnections: 1000,
    latency: { subscribers: 1000, ratePerSecond: 5, seconds: 5 },
    endToEndSizes: [1000],
    warmupSeconds: 0.5,
    measureSeconds: 2.5,
    destinations: { subscribers: 100, few: 100, many: 10_000, rounds: 1 },
    polling: { messages: 10_000, concurrency: 16, seconds: 3 },
    sync: { concurrency: 50, seconds: 3, longPollUsers: 5000, messagesPerSecond: 1, longPollSeconds: 20 },
    failover: { clients: 500, clientsPerTrade: 2, chatPerSecond: 20, steadySeconds: 3, transport: 'auto', generatorNice: 0 },
    writes: { chatPerSecond: 20, pollers: 400, seconds: 4 },
    socketSends: { trades: 10, perSecond: 10, seconds: 4 },
    sessionSetups: { sessions: 500, concurrency: 50 },
  },
};

/**
 * Messages in flight (published, not yet delivered to every subscriber) during a saturation run:
 * enough to keep broker, server and clients busy, few enough that no socket backlog nears the
 * gateway's 1 MiB slow-client limit (32 x ~450-byte frames = 14 KiB per connection).
 */
export const SATURATION_WINDOW = 32;
