import type { Clock } from './clock.js';

/**
 * Runs an asynchronous task while started, each run `delay()` ms after the previous one has
 * finished, so a slow server never has two polls of one client at once. `delay` is asked after
 * each run: the run's outcome (news, a Retry-After, a long poll held) decides the next.
 */
export class Poller {
  // Bumped by stop(): a run still in flight from before must not reschedule itself.
  #generation = 0;
  #cancel: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly delay: () => number,
    private readonly task: () => Promise<void>,
  ) {}

  get running(): boolean {
    return this.#cancel !== undefined;
  }

  /** The first run is `delay()` from now. Starting a running poller changes nothing. */
  start(): void {
    if (!this.running) this.#schedule(this.#generation);
  }

  stop(): void {
    this.#generation += 1;
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #schedule(generation: number): void {
    this.#cancel = this.clock.schedule(() => {
      // Failures are the task's to report; polling goes on regardless.
      void this.task()
        .catch(() => undefined)
        .then(() => {
          if (generation === this.#generation) this.#schedule(generation);
        });
    }, this.delay());
  }
}
