/** Timers behind an interface so the client's state machine runs on a fake clock in tests. */
export interface Clock {
  /** Runs `task` once after `delayMs`; the returned function cancels it. */
  schedule(task: () => void, delayMs: number): () => void;
  /** Milliseconds since the epoch: compared with a token's `exp`. */
  now(): number;
}

export const systemClock: Clock = {
  schedule(task, delayMs) {
    const timer = setTimeout(task, delayMs);
    return () => clearTimeout(timer);
  },
  now: () => Date.now(),
};
