import { performance } from 'node:perf_hooks';
import type { AdmissionSettings } from '../config/gateway-settings.js';

export type Admission = { admitted: true } | { admitted: false; retryAfterMs: number };

// Set-ups finished per second are measured over windows this long; the faster of the last two counts.
const RATE_WINDOW_MS = 1_000;
// The rate assumed when little was measured (a quiet gateway, the first second of a storm).
const MIN_RATE_PER_S = 50;
// An appointment is never sooner (the refusal's own round trip) nor later than these.
const MIN_RETRY_AFTER_MS = 250;
const MAX_RETRY_AFTER_MS = 15_000;

/**
 * Which new client connections the gateway takes on while it is behind on setting up sessions,
 * and when the others should come back.
 *
 * When a gateway dies, its clients reach the survivors within a second or two. Taken on all at
 * once, thousands of set-ups share one event loop, so each takes about as long as all of them:
 * most outlast the client's connect timeout and are abandoned, and the retries arrive while the
 * gateway is still on the abandoned ones. The gateway then spends the storm on work nobody waits
 * for (docs/benchmarks.md, failover). Refused at once, a client costs a handshake and comes back
 * when there is room.
 *
 * Behind means: at least `minPending` sessions are setting up, and either the oldest has waited
 * longer than `targetMs`, or there are more than the gateway finishes in `targetMs` at its recent
 * rate (so a burst is bounded before anyone has waited). Neither needs tuning to a machine's speed.
 *
 * A refused client is given an appointment: slots handed out at the rate set-ups have been
 * finishing, behind the sessions already waiting, so the refused come back at about the pace they
 * can be served. The rate is the faster of the last two windows: an appointment too early costs
 * one more cheap refusal, one too late leaves the gateway idle while clients wait.
 */
export class SessionAdmission {
  /** Sessions setting up, by when they were taken on; a Map keeps insertion order, so the first is the oldest. */
  readonly #pending = new Map<object, number>();
  #windowStart: number;
  #windowSetUps = 0;
  #rates: [number, number] = [0, 0];
  #nextAppointment = 0;
  #refusing = false;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly now: () => number = () => performance.now(),
    /** Told when refusals start and stop, for the log. */
    private readonly onChange: (refusing: boolean, state: { pending: number; ratePerS: number }) => void = () => {},
  ) {
    this.#windowStart = now();
  }

  /** Takes `connection` on (then setUp() or gone() for it) or refuses it with an appointment. */
  admit(connection: object): Admission {
    const now = this.now();
    this.#roll(now);
    const behind = this.#behind(now);
    if (behind !== this.#refusing) {
      this.#refusing = behind;
      this.onChange(behind, { pending: this.#pending.size, ratePerS: this.#ratePerS });
    }
    if (!behind) {
      this.#pending.set(connection, now);
      return { admitted: true };
    }
    const slotMs = 1000 / this.#ratePerS;
    const appointment = Math.max(this.#nextAppointment, now + this.#pending.size * slotMs);
    this.#nextAppointment = appointment + slotMs;
    return { admitted: false, retryAfterMs: Math.round(Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, appointment - now))) };
  }

  /** The session's CONNECT was answered: it is set up. */
  setUp(connection: object): void {
    if (this.#pending.delete(connection)) this.#windowSetUps++;
  }

  /** The connection closed, set up or not. */
  gone(connection: object): void {
    this.#pending.delete(connection);
  }

  get pending(): number {
    return this.#pending.size;
  }

  #behind(now: number): boolean {
    const { targetMs, minPending } = this.settings;
    const pending = this.#pending.size;
    if (targetMs === 0 || pending < minPending) return false;
    if (pending >= (this.#ratePerS * targetMs) / 1000) return true;
    const oldest = this.#pending.values().next().value as number;
    return now - oldest > targetMs;
  }

  get #ratePerS(): number {
    return Math.max(MIN_RATE_PER_S, ...this.#rates);
  }

  #roll(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < RATE_WINDOW_MS) return;
    this.#rates = [this.#rates[1], (this.#windowSetUps * 1000) / elapsed];
    this.#windowStart = now;
    this.#windowSetUps = 0;
  }
}
