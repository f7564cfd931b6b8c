import type { Clock } from './clock.js';
import type { PollPacer } from './pacing.js';
import { ApiError } from './rest-api.js';

/** Seconds a long poll may be held: about one request per user per 25 s while nothing happens. */
export const LONG_POLL_SECONDS = 25;
// Beyond the wait, how long an answer may take: a host that vanished without closing the
// connection would otherwise hold the poll, and the client's only way to the server, for good.
const ANSWER_GRACE_MS = 15_000;
// Plain polls after long polls were found cut, before long polls are tried again: what cut one
// may have been passing (a restart, a proxy's hiccup, an overloaded server resetting connections).
export const PLAIN_POLLS_FOR_MS = 5 * 60_000;

export interface FallbackPollDeps {
  clock: Clock;
  pacer: PollPacer;
  /** false: the server has no `GET /sync` (or the plan's mode): per-resource polls, never held. */
  syncAvailable: () => boolean;
  /** One catch-up from every cursor, held up to `wait` s; resolves whether anything was new. */
  catchUp: (wait: number, signal: AbortSignal) => Promise<boolean>;
}

/**
 * One poll while the socket is down, and what it teaches about the next: long polls while they
 * work. One failed (`suspect`) and the plain poll after it succeeded means something on the way
 * cuts held requests (`off`: plain polls, for PLAIN_POLLS_FOR_MS and until the socket is back);
 * the plain one failing too means the server was simply away (`try` again).
 */
export class FallbackPoll {
  #longPolling: 'try' | 'suspect' | 'off' = 'try';
  #offSince = 0;
  #abort: AbortController | undefined;

  constructor(private readonly deps: FallbackPollDeps) {}

  async run(): Promise<void> {
    if (this.#longPolling === 'off' && this.deps.clock.now() - this.#offSince >= PLAIN_POLLS_FOR_MS) this.#longPolling = 'try';
    const wait = this.deps.syncAvailable() && this.#longPolling === 'try' ? LONG_POLL_SECONDS : 0;
    const abort = new AbortController();
    this.#abort = abort;
    const started = this.deps.clock.now();
    let timedOut = false;
    const cancelTimeout = this.deps.clock.schedule(
      () => {
        timedOut = true;
        abort.abort();
      },
      wait * 1000 + ANSWER_GRACE_MS,
    );
    try {
      const news = await this.deps.catchUp(wait, abort.signal);
      if (this.#longPolling === 'suspect') {
        this.#longPolling = 'off';
        this.#offSince = this.deps.clock.now();
      }
      this.deps.pacer.answered(this.deps.clock.now() - started, news);
    } catch (err) {
      if (abort.signal.aborted && !timedOut) return; // The socket is back: this poll is no longer needed.
      const asked = err instanceof ApiError && (err.status === 503 || err.status === 429);
      if (wait > 0 && !asked) this.#longPolling = 'suspect';
      else if (this.#longPolling === 'suspect') this.#longPolling = 'try';
      this.deps.pacer.failed(err instanceof ApiError ? err.retryAfterMs : undefined);
    } finally {
      cancelTimeout();
    }
  }

  /** Ends a poll in flight (a held long poll) that is no longer needed: the socket is back. The next outage tries long polls again. */
  abort(): void {
    this.#abort?.abort();
    this.#longPolling = 'try';
  }
}
