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
 * Every connection checking at one period, on one timer. A timer per connection cost memory
 * for each of thousands of idle connections (a Timeout, its closure and context, twice); this
 * costs a Set entry. A connection joins the shared timer at any phase, so its first check may
 * come at once: see how Heartbeats treats the start as activity.
 */
class SharedInterval {
  readonly #members = new Set<Heartbeats>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    periodMs: number,
    check: (member: Heartbeats) => void,
    private readonly onEmpty: () => void,
  ) {
    // Set iteration tolerates a member leaving during its own check (a dropped connection).
    this.#timer = setInterval(() => this.#members.forEach(check), periodMs);
    this.#timer.unref();
  }

  add(member: Heartbeats): void {
    this.#members.add(member);
  }

  delete(member: Heartbeats): void {
    if (!this.#members.delete(member) || this.#members.size > 0) return;
    clearInterval(this.#timer);
    this.onEmpty();
  }
}

/** Shared intervals by period; nearly every client asks for the same few (stompjs: 10 s). */
class IntervalTable {
  readonly #byPeriod = new Map<number, SharedInterval>();

  constructor(private readonly check: (member: Heartbeats) => void) {}

  join(periodMs: number, member: Heartbeats): SharedInterval {
    let interval = this.#byPeriod.get(periodMs);
    if (!interval) {
      interval = new SharedInterval(periodMs, this.check, () => this.#byPeriod.delete(periodMs));
      this.#byPeriod.set(periodMs, interval);
    }
    interval.add(member);
    return interval;
  }
}

/**
 * One connection's heart-beats. Activity is noted with flags rather than timestamps, so the
 * per-message cost on the delivery path is one assignment.
 */
export class Heartbeats {
  static readonly #sending = new IntervalTable((h) => h.#checkSent());
  static readonly #expecting = new IntervalTable((h) => h.#checkReceived());

  // Both start true: the CONNECT/CONNECTED exchange was activity both ways, and a shared
  // interval's first check may come at once. A silent client is then dropped two to three
  // periods after its last frame, as with a timer of its own started at CONNECT.
  #sent = true;
  #received = true;
  #silentChecks = 0;
  #handlers: HeartbeatHandlers | undefined;
  #sendInterval: SharedInterval | undefined;
  #expectInterval: SharedInterval | undefined;

  start(plan: HeartbeatPlan, handlers: HeartbeatHandlers): void {
    this.#handlers = handlers;
    // Checking twice a period keeps any gap between writes within one period.
    if (plan.sendEveryMs > 0) this.#sendInterval = Heartbeats.#sending.join(plan.sendEveryMs / 2, this);
    if (plan.expectEveryMs > 0) this.#expectInterval = Heartbeats.#expecting.join(plan.expectEveryMs, this);
  }

  noteSent(): void {
    this.#sent = true;
  }

  noteReceived(): void {
    this.#received = true;
  }

  stop(): void {
    this.#sendInterval?.delete(this);
    this.#expectInterval?.delete(this);
    this.#sendInterval = this.#expectInterval = this.#handlers = undefined;
  }

  #checkSent(): void {
    if (!this.#sent) this.#handlers?.beat();
    this.#sent = false;
  }

  #checkReceived(): void {
    this.#silentChecks = this.#received ? 0 : this.#silentChecks + 1;
    this.#received = false;
    if (this.#silentChecks >= 2) this.#handlers?.silent();
  }
}
