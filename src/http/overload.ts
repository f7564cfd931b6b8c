import type { IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { OverloadSettings } from '../config/config.js';
import type { PipelineStep } from './request-pipeline.js';
import type { Unavailable, UnavailableCause } from './unavailable.js';

// Never shed: a load balancer that saw an overloaded instance fail /readyz would drop it, then
// the next one, until none is left; /metrics is how an operator sees the overload.
const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const READS = new Set(['GET', 'HEAD']);
const LAG_WINDOW_MS = 500;

/**
 * Sheds API reads with 503 + Retry-After while the process is overloaded, before they do any
 * work, so a poll storm is answered quickly instead of queueing; writes and the ops routes always
 * pass. Overloaded means too many API requests in flight, or an event loop that has lagged for a
 * while (perf_hooks' monitorEventLoopDelay, sampled in 500 ms windows).
 *
 * A long poll mostly waits for news, which costs nothing, and has its own bound (SYNC_MAX_HELD):
 * the sync route takes it out of the in-flight count with `hold(req)`.
 *
 * A client that ignores Retry-After gets its next refusal only once the Retry-After of its last
 * one has passed: refusing is cheap, but a closed loop that asks again the moment it is refused
 * makes thousands of refusals a second, and they fill the event loop that the writes need. Held,
 * it costs one refusal per Retry-After. Keyed by the credentials (the Authorization header as
 * sent, unverified: a read is shed before its token is checked), not the connection, which a
 * proxy shares between users; a client that waits as told is not held. Requests without
 * credentials are refused at once.
 */
export class OverloadGuard {
  #inFlight = 0;
  // Whether a request is in the in-flight count; a held or answered one is not.
  readonly #counted = new WeakSet<IncomingMessage>();
  // Mean delay of the last two windows; the lower one is the lag that lasted.
  #windows: [number, number] = [0, 0];
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  readonly #sampler: NodeJS.Timeout;
  /** Per Authorization header, until when its reads are held before being refused (its last refusal plus Retry-After). */
  readonly #refusedUntil = new Map<string, number>();

  constructor(
    private readonly settings: Pick<OverloadSettings, 'maxInFlight' | 'eventLoopLagMs'>,
    private readonly unavailable: Unavailable,
  ) {
    this.#delay.enable();
    this.#sampler = setInterval(() => {
      // A window with no sample yet keeps the previous figure.
      if (this.#delay.count > 0) this.#windows = [this.#windows[1], this.#delay.mean / 1e6];
      this.#delay.reset();
      const now = performance.now();
      for (const [credentials, until] of this.#refusedUntil) if (until <= now) this.#refusedUntil.delete(credentials);
    }, LAG_WINDOW_MS).unref();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Event-loop delay that lasted: the lower of the last two windows' means, in milliseconds. One
   * long pause (start-up, a migration, a GC) is not an overload; a storm keeps every window late.
   */
  get eventLoopLagMs(): number {
    return Math.min(...this.#windows);
  }

  readonly step: PipelineStep = (req, res, next) => {
    if (READS.has(req.method ?? '') && !OPS_PATHS.has(pathOf(req))) {
      const cause =
        this.#inFlight >= this.settings.maxInFlight
          ? 'overload_in_flight'
          : this.eventLoopLagMs > this.settings.eventLoopLagMs
            ? 'overload_event_loop'
            : undefined;
      if (cause) return this.#refuse(req, res, cause);
    }
    this.#counted.add(req);
    this.#inFlight++;
    // 'close' comes once per response, answered or aborted.
    res.once('close', () => this.hold(req));
    next();
  };

  #refuse(req: IncomingMessage, res: ServerResponse, cause: UnavailableCause): void {
    const send = () => {
      if (!res.destroyed) this.unavailable.send(res, cause, 'the api is overloaded; retry shortly');
    };
    const credentials = req.headers.authorization;
    if (credentials === undefined) return send();
    // Each refusal, held or not, starts a Retry-After in which this client's reads are held.
    const refuse = () => {
      const until = performance.now() + this.unavailable.retryAfterSeconds * 1000;
      this.#refusedUntil.set(credentials, Math.max(until, this.#refusedUntil.get(credentials) ?? 0));
      send();
    };
    const wait = (this.#refusedUntil.get(credentials) ?? 0) - performance.now();
    if (wait <= 0) return refuse();
    // At most one timer per connection: a client sends nothing more on it until this is answered.
    setTimeout(refuse, wait).unref();
  }

  /** Takes the request out of the in-flight count for the rest of its life. */
  hold(req: IncomingMessage): void {
    if (this.#counted.delete(req)) this.#inFlight--;
  }

  close(): void {
    clearInterval(this.#sampler);
    this.#delay.disable();
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
