/**
 * How an attempt at a gateway ended, for the choice of the next one:
 * - `failed`: it refused or broke off (a dead gateway refuses at once, a draining one answers
 *   503), or a working connection to it ended;
 * - `busy`: it answered (the socket opened) but had not finished the CONNECT in time, or it let
 *   the attempt wait without refusing it: a gateway swamped by a reconnect storm queues the
 *   connections it has no time for yet. Neither says anything against it compared with a
 *   gateway that just failed. (An unreachable host also lets attempts wait: the failure memory
 *   below keeps the list from holding on to it for good.)
 */
export type GatewayOutcome = 'failed' | 'busy';

/**
 * How long a failure counts against a gateway. Past it, the gateway is as good as one that never
 * failed: a client that keeps waiting on an unreachable gateway goes back to the others in turn,
 * and a gateway that was restarting is tried again.
 */
export const FAILURE_MEMORY_MS = 60_000;

/**
 * Gateway URLs taken in turn, as a load balancer in front of them would: stay on one while it
 * works, move to the next when a connection to it fails or ends. Each client starts at a random
 * one, so the users of a list spread over its gateways.
 *
 * The next one is the gateway that failed least recently (within FAILURE_MEMORY_MS), the next in
 * turn among equals: after a gateway dies, a client whose first try at the survivor timed out
 * tries the survivor again rather than the dead one (each try at a dead gateway costs a failure,
 * a longer backoff, and another try at the survivor later; in the failover bench at 5,000
 * clients some 13,000 of 30,000 attempts went to the dead gateway that way).
 */
export class GatewayList {
  #index: number;
  /** Per URL, when it last failed, as a count of failures (0: never); higher is more recent. */
  readonly #lastFailure: number[];
  /** Per URL, when it last failed in ms (from `now`), for FAILURE_MEMORY_MS. */
  readonly #lastFailedAt: number[];
  #failures = 0;

  constructor(
    readonly urls: readonly string[],
    random: () => number,
    private readonly now: () => number = Date.now,
  ) {
    if (urls.length === 0) throw new RangeError('at least one gateway URL is needed');
    this.#index = Math.floor(random() * urls.length) % urls.length;
    this.#lastFailure = urls.map(() => 0);
    this.#lastFailedAt = urls.map(() => 0);
  }

  get current(): string {
    return this.urls[this.#index]!;
  }

  /** The attempt at `current` did not work out: move to the gateway that failed least recently. */
  failed(outcome: GatewayOutcome = 'failed'): void {
    const now = this.now();
    if (outcome === 'failed') {
      this.#lastFailure[this.#index] = ++this.#failures;
      this.#lastFailedAt[this.#index] = now;
    }
    const remembered = (index: number) => (now - this.#lastFailedAt[index]! < FAILURE_MEMORY_MS ? this.#lastFailure[index]! : 0);
    const count = this.urls.length;
    let next = (this.#index + 1) % count;
    for (let step = 2; step <= count; step++) {
      const candidate = (this.#index + step) % count;
      if (remembered(candidate) < remembered(next)) next = candidate;
    }
    this.#index = next;
  }
}
