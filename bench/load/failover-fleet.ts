import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { REPO_ROOT } from '../settings.js';
import type { FailoverSetup, FromLoadGenerator, ToLoadGenerator } from './failover-messages.js';

type Verified = Extract<FromLoadGenerator, { type: 'verified' }>;

const OUTPUT_KEPT = 16_384;

/**
 * The failover load generator (failover-clients.ts) as a child process. Its open-file limit is
 * the machine's (each client holds a socket to a gateway and, while polling, to the api).
 */
export class FailoverFleet {
  readonly #messages: FromLoadGenerator[] = [];
  readonly #waiters: (() => void)[] = [];
  #output = '';

  private constructor(private readonly child: ReturnType<typeof spawn>) {
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString()).slice(-OUTPUT_KEPT));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('message', (message: FromLoadGenerator) => {
      this.#messages.push(message);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    child.on('exit', () => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static start(setup: FailoverSetup): FailoverFleet {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load/failover-clients.ts'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const fleet = new FailoverFleet(child);
    fleet.#send({ type: 'start', setup });
    return fleet;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first message of this type, or rejects after `timeoutMs` or if the process died. */
  async next<T extends FromLoadGenerator['type']>(type: T, timeoutMs: number): Promise<Extract<FromLoadGenerator, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.#messages.find((m) => m.type === type);
      if (found) return found as Extract<FromLoadGenerator, { type: T }>;
      if (this.child.exitCode !== null) throw new Error(`the load generator exited:\n${this.#output}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${type}" from the load generator within ${timeoutMs} ms:\n${this.#output}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Resolves once the load generator counts from now: a close it handles earlier would not count as a loss. */
  async mark(): Promise<void> {
    this.#send({ type: 'mark' });
    await this.next('marked', 30_000);
  }

  async status(): Promise<Extract<FromLoadGenerator, { type: 'status' }>> {
    this.#messages.splice(0, this.#messages.length, ...this.#messages.filter((m) => m.type !== 'status'));
    this.#send({ type: 'status' });
    return this.next('status', 10_000);
  }

  async verify(settleMs: number): Promise<Verified> {
    this.#send({ type: 'verify', settleMs });
    return this.next('verified', settleMs + 60_000);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  #send(message: ToLoadGenerator): void {
    this.child.send(message);
  }
}
