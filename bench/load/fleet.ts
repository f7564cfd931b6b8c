import { newTally, type Tally } from './samples.js';

/** One simulated user connection, whatever protocol it speaks. */
export interface LoadClient {
  heartbeat(): void;
  close(): void;
}

/** Opens client number `index`, connected and subscribed, counting into `tally`. */
export type ClientFactory = (index: number, tally: Tally) => Promise<LoadClient>;

// Connections opened at once: enough to connect thousands in seconds, few enough not to trip
// accept backlogs or the servers' connect timeouts.
const CONNECT_CONCURRENCY = 100;
// Half the period our clients announce (heart-beat 10000,10000): servers drop after two silent periods.
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * A set of load clients of one kind sharing one tally. It grows and shrinks so that one server
 * pass measures several sizes without reconnecting everyone; one timer heart-beats them all.
 */
export class Fleet {
  readonly tally: Tally = newTally();
  readonly #clients: LoadClient[] = [];
  readonly #beats: NodeJS.Timeout;

  constructor(private readonly open: ClientFactory) {
    this.#beats = setInterval(() => this.#clients.forEach((c) => c.heartbeat()), HEARTBEAT_EVERY_MS);
  }

  get size(): number {
    return this.#clients.length;
  }

  async grow(to: number): Promise<void> {
    let next = this.#clients.length;
    const worker = async () => {
      while (next < to) this.#clients.push(await this.open(next++, this.tally));
    };
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, to - next) }, worker));
  }

  /** Closes the newest clients beyond `to`. */
  shrink(to: number): void {
    for (const client of this.#clients.splice(to)) client.close();
  }

  close(): void {
    clearInterval(this.#beats);
    this.shrink(0);
  }
}
