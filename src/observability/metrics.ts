import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Read at scrape time. */
export interface MetricProbes {
  outboxPending?: () => Promise<number>;
  busConnected?: () => boolean;
  /** API roles: what the read-shedding decision looks at. */
  overload?: () => { inFlight: number; eventLoopLagMs: number };
  databaseReads?: () => { active: number; waiting: number };
}

/** One registry per running system, so several systems in one test process do not collide. */
export function createMetrics(role: string, probes: MetricProbes = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    unavailableResponses: new Counter({
      name: 'http_unavailable_responses_total',
      help: 'API requests answered 503 with Retry-After, by cause (overload_* are reads shed before any work)',
      labelNames: ['cause'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'http_requests_in_flight',
      help: 'API requests being worked on (long polls that only wait excluded); reads are shed past OVERLOAD_MAX_IN_FLIGHT',
      registers: [registry],
      collect() {
        if (probes.overload) this.set(probes.overload().inFlight);
      },
    }),
    eventLoopLag: new Gauge({
      name: 'event_loop_lag_sustained_seconds',
      help: 'Event-loop delay that lasted two sampling windows; reads are shed past OVERLOAD_EVENT_LOOP_LAG_MS',
      registers: [registry],
      collect() {
        if (probes.overload) this.set(probes.overload().eventLoopLagMs / 1000);
      },
    }),
    databaseReads: new Gauge({
      name: 'database_reads',
      help: 'Poll reads using a database connection (active) or queued for one (waiting), bounded by DATABASE_READ_CONCURRENCY',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        if (!probes.databaseReads) return;
        const { active, waiting } = probes.databaseReads();
        this.set({ state: 'active' }, active);
        this.set({ state: 'waiting' }, waiting);
      },
    }),
    eventsPublished: new Counter({
      name: 'outbox_events_published_total',
      help: 'Events confirmed by the event bus and removed from the outbox',
      registers: [registry],
    }),
    publishFailures: new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Relay passes in which the event bus did not confirm some events',
      registers: [registry],
    }),
    eventsConsumed: new Counter({
      name: 'events_consumed_total',
      help: 'Events handled by this process, by consumer',
      labelNames: ['consumer'],
      registers: [registry],
    }),
    outboxPending: new Gauge({
      name: 'outbox_pending_events',
      help: 'Events committed but not yet confirmed by the event bus',
      registers: [registry],
      async collect() {
        if (probes.outboxPending) this.set(await probes.outboxPending().catch(() => -1));
      },
    }),
    busConnected: new Gauge({
      name: 'event_bus_connected',
      help: '1 when the event bus is connected',
      registers: [registry],
      collect() {
        if (probes.busConnected) this.set(probes.busConnected() ? 1 : 0);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
