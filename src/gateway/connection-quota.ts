/** Open connections per user, so one account cannot hold an unbounded number of sockets. */
export class ConnectionQuota {
  readonly #open = new Map<string, number>();

  constructor(private readonly maxPerUser: number) {}

  tryAcquire(userId: string): boolean {
    const open = this.#open.get(userId) ?? 0;
    if (open >= this.maxPerUser) return false;
    this.#open.set(userId, open + 1);
    return true;
  }

  release(userId: string): void {
    const open = (this.#open.get(userId) ?? 0) - 1;
    if (open > 0) this.#open.set(userId, open);
    else this.#open.delete(userId);
  }
}
