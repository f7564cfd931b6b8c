import { z } from 'zod';
import type { TokenPolicy } from '../auth/jwt.js';
import type { GatewaySettings, PresenceSettings } from './gateway-settings.js';
import { DEFAULT_EXCHANGE } from '../contract/routing-keys.js';
import { DEFAULT_MAX_SUBSCRIPTIONS } from '../contract/destinations.js';
import { parseSigningKey } from './transcript-keys.js';
import { pemBlocks } from '../contract/transcript-verify.js';

export const ROLES = ['all', 'api', 'gateway', 'notification'] as const;
export type Role = (typeof ROLES)[number];

const DEFAULT_PORTS: Record<Role, number> = { all: 8080, api: 8080, gateway: 8081, notification: 8082 };

export interface Config {
  role: Role;
  /** Production mode: a single role, or NODE_ENV=production. Demo conveniences are off. */
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  amqpUrl: string | undefined;
  amqp: { exchange: string; notificationQueue: string };
  gateway: GatewaySettings;
  /** Undefined in demo mode until start-up generates or loads one. */
  jwtSecret: string | undefined;
  /** Claims a token must carry besides its signature (JWT_MAX_TTL, JWT_ISSUER, JWT_AUDIENCE). */
  jwt: TokenPolicy;
  corsOrigins: string[];
  /**
   * Where browsers reach the gateway (PUBLIC_GATEWAY_URLS); empty = the page's own origin. The
   * demo page connects only here, and the page's CSP connect-src allows only these.
   */
  publicGatewayUrls: string[];
  /** The transcript's keys, PEM (docs/transcript.md); demo mode generates a signing key when unset. */
  transcript: { signingKeyPem: string | undefined; retiredPublicKeysPem: string | undefined };
  /** Bearer token /metrics requires; in production /metrics is refused without one. */
  metricsToken: string | undefined;
  logLevel: string;
  /** At info, production logs a request only when it failed or took at least this long. */
  logSlowRequestMs: number;
  chatRateLimitPerMinute: number;
  /** Per api process: read receipts one user may store a minute (each is a transaction). */
  readRateLimitPerMinute: number;
  /** Per api process: trades one user may open a minute, in all and with one counterparty. */
  tradeOpenRateLimit: { perOpenerPerMinute: number; perPairPerMinute: number };
  bodyLimitBytes: number;
  sync: SyncConfig;
  database: DatabaseCapacity;
  overload: OverloadSettings;
}

/** The sync route (docs/sync.md). */
export interface SyncConfig {
  /** Advised to clients for plain polling (`pollIntervalMs`). */
  pollIntervalMs: number;
  /** Long polls held at once per process; beyond, 503 with Retry-After. */
  maxHeld: number;
  /** Long polls held at once per user per process; beyond, answered as plain polls. */
  maxHeldPerUser: number;
  /** Feed heads kept in memory; when full, the cache starts over empty. */
  cacheMaxEntries: number;
  /** Base name of each api process's own queue of the events that feed the cache. */
  queue: string;
}

/** How the database connections are shared between reads and writes (docs/overload.md). */
export interface DatabaseCapacity {
  /** PostgreSQL connections in this process's pool. */
  poolSize: number;
  /** Reads (polls) in flight at once; the rest of the pool is kept for writes. */
  readConcurrency: number;
  /** How long a read may queue for its turn before it is answered 503. */
  readWaitMs: number;
}

/** When the API sheds reads with 503 instead of queueing them (docs/overload.md). */
export interface OverloadSettings {
  /** API requests in flight (long polls held by sync excluded) above which reads are shed. */
  maxInFlight: number;
  /** Event-loop delay that lasted (docs/overload.md) above which reads are shed. */
  eventLoopLagMs: number;
  /** The Retry-After of every 503 the API answers. */
  retryAfterSeconds: number;
}

/** The shortest HS256 secret accepted, from JWT_SECRET or demo mode's file (which holds 64). */
export const MIN_JWT_SECRET_CHARS = 32;

/** Every problem found in the environment, one line each, so a user fixes them in one go. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

/**
 * Reads the environment. Each problem is one line naming the variable; all of them are thrown
 * together as one ConfigError, which start-up prints before exiting.
 */
export function loadConfig(role: string, env: NodeJS.ProcessEnv = process.env): Config {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ConfigError(`unknown role "${role}": expected one of ${ROLES.join(', ')}`);
  }
  const problems: string[] = [];
  const config = readConfig(role as Role, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A bad value is recorded in `problems` and replaced by its fallback, so reading goes on. */
function readConfig(r: Role, env: NodeJS.ProcessEnv, problems: string[]): Config {
  const production = r !== 'all' || env.NODE_ENV === 'production';
  const value = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const parse = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    problems.push(`${name} is invalid: ${result.error.issues[0]?.message ?? 'bad value'}`);
    return fallback;
  };
  const required = (name: string, hint: string) => {
    if (production && value(name) === undefined) {
      problems.push(`${name} is required in production mode (role ${r}): ${hint}`);
    }
  };

  required('DATABASE_URL', 'a postgresql:// URL');
  required('AMQP_URL', 'an amqp:// URL');
  required('JWT_SECRET', `at least ${MIN_JWT_SECRET_CHARS} characters`);
  // Roles that write chat and status changes sign transcript entries; every replica the same key.
  if (r === 'api' || r === 'all') required('TRANSCRIPT_SIGNING_KEY', 'an Ed25519 private key in PEM (docs/transcript.md)');

  const databaseUrl = parse('DATABASE_URL', urlWithScheme(['postgres:', 'postgresql:']), undefined);
  const amqpUrl = parse('AMQP_URL', urlWithScheme(['amqp:', 'amqps:']), undefined);
  const jwtSecret = parse('JWT_SECRET', z.string().min(MIN_JWT_SECRET_CHARS, `must be at least ${MIN_JWT_SECRET_CHARS} characters`), undefined);
  const bodyLimitBytes = parse('BODY_LIMIT_BYTES', positiveInt, 16 * 1024);
  const corsOrigins = (value('CORS_ORIGINS') ?? (production ? '' : '*'))
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);

  return {
    role: r,
    production,
    port: parse('PORT', positiveInt.max(65535), DEFAULT_PORTS[r]),
    host: value('HOST') ?? '0.0.0.0',
    databaseUrl,
    dataDir: value('DATA_DIR') ?? './data',
    amqpUrl,
    amqp: {
      exchange: value('AMQP_EXCHANGE') ?? DEFAULT_EXCHANGE,
      notificationQueue: value('AMQP_NOTIFICATION_QUEUE') ?? 'notification.trade.events.queue',
    },
    gateway: {
      // Base names: each gateway instance binds its own `<name>.<instanceId>` copy.
      queues: {
        trade: value('AMQP_GATEWAY_TRADE_QUEUE') ?? 'websocket.trade.events.queue',
        chat: value('AMQP_GATEWAY_CHAT_QUEUE') ?? 'websocket.chat.messages.queue',
        notification: value('AMQP_GATEWAY_NOTIFICATION_QUEUE') ?? 'websocket.notifications.queue',
        typing: value('AMQP_GATEWAY_TYPING_QUEUE') ?? 'websocket.typing.queue',
        presence: value('AMQP_GATEWAY_PRESENCE_QUEUE') ?? 'websocket.presence.queue',
      },
      heartbeatMs: parse('GATEWAY_HEARTBEAT_MS', positiveInt, 10_000),
      wsPingMs: parse('GATEWAY_WS_PING_MS', positiveInt, 25_000),
      maxBufferedBytes: parse('GATEWAY_MAX_BUFFERED_BYTES', positiveInt, 1024 * 1024),
      maxSubscriptionsPerConnection: parse('GATEWAY_MAX_SUBSCRIPTIONS', positiveInt, DEFAULT_MAX_SUBSCRIPTIONS),
      maxConnectionsPerUser: parse('GATEWAY_MAX_CONNECTIONS_PER_USER', positiveInt, 20),
      connectTimeoutMs: parse('GATEWAY_CONNECT_TIMEOUT_MS', positiveInt, 10_000),
      // Under an orchestrator's usual 10 s kill timeout, with room for the shutdown after it.
      drainMs: parse('GATEWAY_DRAIN_MS', nonNegativeInt, 8_000),
      tokenLeewayMs: parse('GATEWAY_TOKEN_LEEWAY_MS', nonNegativeInt.max(30_000), 5_000),
      // Browsers send Origin on WebSocket and cross-origin SockJS requests; other clients none.
      handshakeOrigins: production ? corsOrigins : ['*'],
      iframeAncestors: corsOrigins,
      apiUrl: parse('API_URL', urlWithScheme(['http:', 'https:']), undefined)?.replace(/\/+$/, ''),
      apiTimeoutMs: parse('API_TIMEOUT_MS', positiveInt, 10_000),
      maxSendBodyBytes: bodyLimitBytes,
      presence: presenceSettings(parse),
    },
    jwtSecret,
    jwt: {
      requireExpiry: production,
      maxTtlSeconds: parse('JWT_MAX_TTL', duration, 24 * 3600),
      issuer: value('JWT_ISSUER'),
      audience: value('JWT_AUDIENCE'),
    },
    corsOrigins,
    publicGatewayUrls: parse('PUBLIC_GATEWAY_URLS', urlList(['http:', 'https:']), []),
    transcript: {
      signingKeyPem: parse('TRANSCRIPT_SIGNING_KEY', pem(signingKeyPem), undefined),
      retiredPublicKeysPem: parse('TRANSCRIPT_RETIRED_PUBLIC_KEYS', pem(publicKeysPem), undefined),
    },
    metricsToken: parse('METRICS_TOKEN', z.string().min(16, 'must be at least 16 characters'), undefined),
    logLevel: parse('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
    logSlowRequestMs: parse('LOG_SLOW_REQUEST_MS', positiveInt, 1_000),
    chatRateLimitPerMinute: parse('CHAT_RATE_LIMIT_PER_MINUTE', positiveInt, 60),
    // Twice the chat limit: a client sends a receipt as messages come in and as the user reads
    // back, coalesced, so an honest one stays far below it.
    readRateLimitPerMinute: parse('READ_RATE_LIMIT_PER_MINUTE', positiveInt, 120),
    tradeOpenRateLimit: {
      perOpenerPerMinute: parse('TRADE_OPEN_RATE_LIMIT_PER_MINUTE', positiveInt, 20),
      perPairPerMinute: parse('TRADE_OPEN_PAIR_RATE_LIMIT_PER_MINUTE', positiveInt, 5),
    },
    bodyLimitBytes,
    sync: {
      pollIntervalMs: parse('SYNC_POLL_INTERVAL_MS', positiveInt, 2_000),
      maxHeld: parse('SYNC_MAX_HELD', positiveInt, 5_000),
      maxHeldPerUser: parse('SYNC_MAX_HELD_PER_USER', positiveInt, 4),
      cacheMaxEntries: parse('SYNC_CACHE_MAX_ENTRIES', positiveInt, 200_000),
      queue: value('AMQP_API_SYNC_QUEUE') ?? 'api.sync.events.queue',
    },
    database: databaseCapacity(parse),
    overload: {
      maxInFlight: parse('OVERLOAD_MAX_IN_FLIGHT', positiveInt, 256),
      eventLoopLagMs: parse('OVERLOAD_EVENT_LOOP_LAG_MS', positiveInt, 100),
      retryAfterSeconds: parse('RETRY_AFTER_SECONDS', positiveInt, 1),
    },
  };
}

type Parse = <T>(name: string, schema: z.ZodType<T>, fallback: T) => T;

// The issue's promises: offline waits at most 10 s; a killed gateway's users are offline within 30 s.
const MAX_GRACE_MS = 10_000;
const MAX_TTL_MS = 25_000;

function presenceSettings(parse: Parse): PresenceSettings {
  const graceMs = parse('GATEWAY_PRESENCE_GRACE_MS', positiveInt.max(MAX_GRACE_MS), 5_000);
  const refreshMs = parse('GATEWAY_PRESENCE_REFRESH_MS', positiveInt.max(MAX_TTL_MS / 2), 5_000);
  // Two refreshes at least, so one lost or late snapshot does not take a live gateway's users offline.
  const ttlMs = parse(
    'GATEWAY_PRESENCE_TTL_MS',
    positiveInt.min(2 * refreshMs, `must be at least twice GATEWAY_PRESENCE_REFRESH_MS (${refreshMs})`).max(MAX_TTL_MS),
    Math.min(MAX_TTL_MS, 3 * refreshMs),
  );
  return { graceMs, refreshMs, ttlMs };
}

/** By default a quarter of the pool (at least one connection) is kept for writes. */
export function defaultDatabaseCapacity(poolSize = 10): DatabaseCapacity {
  return { poolSize, readConcurrency: poolSize - Math.max(1, Math.floor(poolSize / 4)), readWaitMs: 1_000 };
}

function databaseCapacity(parse: Parse): DatabaseCapacity {
  const poolSize = parse('DATABASE_POOL_SIZE', positiveInt.min(2, 'must be at least 2 (one for reads, one kept for writes)'), 10);
  const defaults = defaultDatabaseCapacity(poolSize);
  return {
    poolSize,
    readConcurrency: parse(
      'DATABASE_READ_CONCURRENCY',
      positiveInt.max(poolSize - 1, `must be below DATABASE_POOL_SIZE (${poolSize}) so writes keep a connection`),
      defaults.readConcurrency,
    ),
    readWaitMs: parse('DATABASE_READ_WAIT_MS', positiveInt, defaults.readWaitMs),
  };
}
/** Seconds, or a number with s, m, h or d: `86400`, `24h`. */
const duration: z.ZodType<number> = z
  .string()
  .regex(/^\d+[smhd]?$/, 'must be seconds or a number with s, m, h or d (24h)')
  .transform((raw) => Number.parseInt(raw, 10) * ({ s: 1, m: 60, h: 3600, d: 86_400 }[raw.at(-1)!] ?? 1))
  .refine((seconds) => seconds > 0, 'must be more than 0');

/** A PEM text; `\n` stands for a newline, so a key fits on one line of an env file. */
function pem(check: (text: string) => string | undefined): z.ZodType<string> {
  return z
    .string()
    .transform((raw) => raw.replaceAll('\\n', '\n'))
    .superRefine((text, ctx) => {
      const problem = check(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

function signingKeyPem(text: string): string | undefined {
  try {
    parseSigningKey(text);
    return undefined;
  } catch (err) {
    return `must be an Ed25519 private key in PEM: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function publicKeysPem(text: string): string | undefined {
  return pemBlocks(text).length > 0 ? undefined : 'must hold one or more PEM public keys (-----BEGIN PUBLIC KEY-----)';
}

/** Comma-separated absolute URLs; a trailing slash is dropped so they compose with paths. */
function urlList(schemes: string[]): z.ZodType<string[]> {
  const url = urlWithScheme(schemes);
  return z
    .string()
    .transform((raw) =>
      raw
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .refine((urls) => urls.every((u) => url.safeParse(u).success), `must be comma-separated URLs starting with ${schemes.map((s) => `${s}//`).join(' or ')}`)
    .transform((urls) => urls.map((u) => u.replace(/\/+$/, '')));
}

function urlWithScheme(schemes: string[]): z.ZodType<string> {
  return z.string().refine(
    (raw) => {
      try {
        return schemes.includes(new URL(raw).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')}`,
  );
}
