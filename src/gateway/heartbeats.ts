/** Agreed heart-beat periods in milliseconds; 0 = none in that direction. */
export interface HeartbeatPlan {
  sendEveryMs: number;
  expectEveryMs: number;
}

/** Parses a `heart-beat: cx,cy` header; undefined when malformed. Absent = no heart-beats. */
export function parseHeartBeat(header: string | undefined): [number, number] | undefined {
  if (header === undefined) return [0, 0];
  const match = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/.exec(header);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * STOMP 1.1 negotiation: each direction runs at the slower of what the sender can do and what
 * the receiver wants, and not at all when either side says 0.
 */
export function negotiateHeartbeats([clientSends, clientWants]: [number, number], serverOfferMs: number): HeartbeatPlan {
  const period = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.max(a, b));
  return { sendEveryMs: period(serverOfferMs, clientWants), expectEveryMs: period(clientSends, serverOfferMs) };
}

export interface HeartbeatHandlers {
  /** Send an EOL: nothing else went out for a while. */
  beat(): void;
  /** Nothing came in for more than two periods. */
  silent(): void;
}

/**
 * One connection's heart-beat timers. Activity is noted with flags rather than timestamps,
 * so the per-message cost on the delivery path is one assignment.
 */
export class Heartbeats {
  #sent = false;
  #received = false;
  #silentChecks = 0;
  readonly #timers: NodeJS.Timeout[] = [];

  start(plan: HeartbeatPlan, handlers: HeartbeatHandlers): void {
    if (plan.sendEveryMs > 0) {
      // Checking twice a period keeps any gap between writes within one period.
      this.#every(plan.sendEveryMs / 2, () => {
        if (!this.#sent) handlers.beat();
        this.#sent = false;
      });
    }
    if (plan.expectEveryMs > 0) {
      this.#every(plan.expectEveryMs, () => {
        this.#silentChecks = this.#received ? 0 : this.#silentChecks + 1;
        this.#received = false;
        if (this.#silentChecks >= 2) handlers.silent();
      });
    }
  }

  noteSent(): void {
    this.#sent = true;
  }

  noteReceived(): void {
    this.#received = true;
  }

  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.length = 0;
  }

  #every(ms: number, tick: () => void): void {
    const timer = setInterval(tick, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
