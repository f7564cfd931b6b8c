import { performance } from 'node:perf_hooks';
import type { LinkLoss, StompConnector } from '../../client/src/stomp-link.js';

/** Connection attempts of the clients in one second after the mark, by the second they ended in. */
export interface AttemptSecond {
  /** Attempts begun in this second. */
  started: number;
  /** Attempts that got CONNECTED in this second. */
  connected: number;
  /** Of those, the longest wait from the attempt's start to CONNECTED, in ms. */
  connectedMaxMs: number;
  /** Attempts (or connections) that ended in this second, by how (see lossKind). */
  lost: Record<string, number>;
}

/**
 * Counts every connection attempt of the clients after the mark, and how it ended, per second:
 * a steady stream of connects says a rate limits the reconnect; bursts at fixed distances from
 * the kill say the clients sit out timeouts or backoff. The connector is wrapped, the client
 * library is not touched.
 */
export class AttemptTimeline {
  readonly seconds: AttemptSecond[] = [];
  #markedAt: number | undefined;

  mark(): void {
    this.#markedAt = performance.now();
  }

  wrap(connector: StompConnector): StompConnector {
    return (headers, handlers) => {
      const startedAt = performance.now();
      const second = this.#second(startedAt);
      if (second) second.started++;
      return connector(headers, {
        onConnected: () => {
          const now = performance.now();
          const second = this.#second(now);
          if (second) {
            second.connected++;
            second.connectedMaxMs = Math.max(second.connectedMaxMs, Math.round(now - startedAt));
          }
          handlers.onConnected();
        },
        onLost: (loss) => {
          const second = this.#second(performance.now());
          if (second) {
            const kind = lossKind(loss, performance.now() - startedAt);
            second.lost[kind] = (second.lost[kind] ?? 0) + 1;
          }
          handlers.onLost(loss);
        },
      });
    };
  }

  #second(at: number): AttemptSecond | undefined {
    if (this.#markedAt === undefined || at < this.#markedAt) return undefined;
    const index = Math.floor((at - this.#markedAt) / 1000);
    while (this.seconds.length <= index) this.seconds.push({ started: 0, connected: 0, connectedMaxMs: 0, lost: {} });
    return this.seconds[index];
  }
}

/**
 * A short name for how a link ended: its reason without destinations and timings, its close
 * code, whether it had connected, and for an attempt that failed whether it did so within a
 * second: a dead gateway refuses at once, a busy one lets the attempt time out.
 */
function lossKind(loss: LinkLoss, durationMs: number): string {
  const reason = loss.reason
    .replace(/ for \S+/, '')
    .replace(/within \d+ ms/, 'in time')
    .replace(/^ERROR frame: (.{0,40}).*$/, 'ERROR $1');
  const code = loss.code === undefined || reason.includes(String(loss.code)) ? '' : ` ${loss.code}`;
  const when = loss.connected ? 'after CONNECTED: ' : durationMs < 1000 ? 'at once: ' : '';
  return `${when}${reason}${code}${loss.slow ? ' (slow)' : ''}`;
}
