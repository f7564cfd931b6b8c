import { performance } from 'node:perf_hooks';
import { cpuTimeMs } from './proc.js';

const EVERY_MS = 250;
const PEAK_WINDOW_MS = 1_000;

export interface CoresUsed {
  /** CPU seconds per second over the whole span. */
  mean: number;
  /** The same over the busiest second of it. */
  peak: number;
}

/** Reads the CPU time of named processes every 250 ms from now on, for busy-second peaks. */
export class CpuSampler<Name extends string> {
  readonly #samples: { at: number; cpu: Record<Name, number> }[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pids: Record<Name, number>) {
    this.#take();
    this.#timer = setInterval(() => this.#take(), EVERY_MS);
  }

  /** Stops sampling; the cores each process used in the first `spanMs` since the start. */
  stop(spanMs: number): Record<Name, CoresUsed> {
    clearInterval(this.#timer);
    this.#take();
    const start = this.#samples[0]!.at;
    const within = this.#samples.filter((s) => s.at - start <= spanMs + EVERY_MS);
    const result = {} as Record<Name, CoresUsed>;
    for (const name of Object.keys(this.pids) as Name[]) {
      const last = within.at(-1)!;
      let peak = 0;
      for (const from of within) {
        const to = within.find((s) => s.at - from.at >= PEAK_WINDOW_MS);
        if (to) peak = Math.max(peak, (to.cpu[name] - from.cpu[name]) / (to.at - from.at));
      }
      const mean = (last.cpu[name] - within[0]!.cpu[name]) / Math.max(1, last.at - start);
      result[name] = { mean, peak: peak || mean };
    }
    return result;
  }

  #take(): void {
    const cpu = {} as Record<Name, number>;
    for (const [name, pid] of Object.entries(this.pids) as [Name, number][]) {
      try {
        cpu[name] = cpuTimeMs(pid);
      } catch {
        // The process has exited: it used nothing since.
        cpu[name] = this.#samples.at(-1)?.cpu[name] ?? 0;
      }
    }
    this.#samples.push({ at: performance.now(), cpu });
  }
}
