/**
 * How an attempt at a gateway ended, for the choice of the next one:
 * - `failed`: it never answered (refused, unreachable), or a working connection to it ended;
 * - `busy`: it answered (the socket opened) but had not finished the CONNECT in time. It is up,
 *   only slow, which says nothing against it compared with a gateway that just failed.
 */
export type GatewayOutcome = 'failed' | 'busy';

/**
 * Gateway URLs taken in turn, as a load balancer in front of them would: stay on one while it
 * works, move to the next when a connection to it fails or ends. Each client starts at a random
 * one, so the users of a list spread over its gateways.
 *
 * The next one is the gateway that failed least recently, the next in turn among equals: after
 * a gateway dies, a client whose first CONNECT at the survivor times out tries the survivor
 * again rather than the dead one (each try at a dead gateway costs a slow failure and a longer
 * backoff, and a whole fleet doing so comes back to the survivor in storms).
 */
export class GatewayList {
  #index: number;
  /** Per URL, when it last failed, as a count of failures (0: never); higher is more recent. */
  readonly #lastFailure: number[];
  #failures = 0;

  constructor(
    readonly urls: readonly string[],
    random: () => number,
  ) {
    if (urls.length === 0) throw new RangeError('at least one gateway URL is needed');
    this.#index = Math.floor(random() * urls.length) % urls.length;
    this.#lastFailure = urls.map(() => 0);
  }

  get current(): string {
    return this.urls[this.#index]!;
  }

  /** The attempt at `current` did not work out: move to the gateway that failed least recently. */
  failed(outcome: GatewayOutcome = 'failed'): void {
    if (outcome === 'failed') this.#lastFailure[this.#index] = ++this.#failures;
    const count = this.urls.length;
    let next = (this.#index + 1) % count;
    for (let step = 2; step <= count; step++) {
      const candidate = (this.#index + step) % count;
      if (this.#lastFailure[candidate]! < this.#lastFailure[next]!) next = candidate;
    }
    this.#index = next;
  }
}
