import type { Clock } from '../../../client/src/clock.js';

/** Lets every promise chain started so far run to its end (fakes answer without real I/O). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Virtual time: tasks run only inside advance(), in due order. */
export class FakeClock implements Clock {
  #now = 0;
  #tasks: { at: number; order: number; task: () => void }[] = [];
  #order = 0;

  schedule(task: () => void, delayMs: number): () => void {
    const entry = { at: this.#now + delayMs, order: this.#order++, task };
    this.#tasks.push(entry);
    return () => {
      this.#tasks = this.#tasks.filter((t) => t !== entry);
    };
  }

  /** Delays of the tasks waiting now, from now. */
  pending(): number[] {
    return this.#tasks.map((t) => t.at - this.#now);
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#tasks.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.#tasks = this.#tasks.filter((t) => t !== due);
      this.#now = due.at;
      due.task();
    }
    this.#now = end;
  }

  now(): number {
    return this.#now;
  }
}
