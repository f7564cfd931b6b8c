import type { Logger } from 'pino';

export interface OutageLogOptions {
  /** While the dependency stays down, a reminder this often. */
  remindEveryMs?: number;
  now?: () => number;
}

/**
 * The log of one dependency (the database, the broker) that is retried every second or so:
 * one line when it goes down, a reminder while it stays down, one line when it answers, instead
 * of one line per retry. "Lost" is said only of a dependency that was reached before.
 */
export class OutageLog {
  readonly #remindEveryMs: number;
  readonly #now: () => number;
  #reached = false;
  #downSince: number | undefined;
  #lastLine = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    options: OutageLogOptions = {},
  ) {
    this.#remindEveryMs = options.remindEveryMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  up(): void {
    if (this.#downSince !== undefined) {
      this.logger.info(`${this.what} is reachable (after ${this.#seconds()} s)`);
    } else if (!this.#reached) {
      this.logger.info(`${this.what} is reachable`);
    }
    this.#reached = true;
    this.#downSince = undefined;
  }

  down(err: unknown): void {
    const reason = err instanceof Error ? err.message.trim().split('\n').pop() : String(err);
    const now = this.#now();
    if (this.#downSince === undefined) {
      this.#downSince = this.#lastLine = now;
      this.logger.warn(this.#reached ? `${this.what} connection lost (${reason}); retrying` : `${this.what} is unreachable (${reason}); retrying`);
    } else if (now - this.#lastLine >= this.#remindEveryMs) {
      this.#lastLine = now;
      this.logger.warn(`${this.what} is still unreachable after ${this.#seconds()} s (${reason}); retrying`);
    }
  }

  #seconds(): number {
    return Math.round((this.#now() - (this.#downSince ?? this.#now())) / 1000);
  }
}
