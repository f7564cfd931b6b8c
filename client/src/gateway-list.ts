/**
 * Gateway URLs taken in turn, as a load balancer in front of them would: stay on one while it
 * works, move to the next when a connection to it fails or ends. Each client starts at a random
 * one, so the users of a list spread over its gateways.
 */
export class GatewayList {
  #index: number;

  constructor(
    readonly urls: readonly string[],
    random: () => number,
  ) {
    if (urls.length === 0) throw new RangeError('at least one gateway URL is needed');
    this.#index = Math.floor(random() * urls.length) % urls.length;
  }

  get current(): string {
    return this.urls[this.#index]!;
  }

  failed(): void {
    this.#index = (this.#index + 1) % this.urls.length;
  }
}
