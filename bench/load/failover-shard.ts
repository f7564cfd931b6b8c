import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../settings.js';
import type { FailoverSetup, FromLoadGenerator, ToLoadGenerator } from './failover-messages.js';

export interface FleetOptions {
  profile?: boolean;
  nice?: number;
}

const OUTPUT_KEPT = 16_384;
const PROFILE_DIR = fileURLToPath(new URL('../results/profiles/failover-clients', import.meta.url));
// A profiled generator writes its profile on a clean exit; thousands of clients take a while to stop.
const PROFILE_EXIT_MS = 30_000;

/**
 * One process of the failover load generator (failover-clients.ts), driven over IPC. Its
 * open-file limit is the machine's (each client holds a socket to a gateway and, while polling,
 * to the api).
 */
export class FailoverShard {
  readonly #messages: FromLoadGenerator[] = [];
  readonly #waiters: (() => void)[] = [];
  #output = '';

  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly profiling: boolean,
  ) {
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

  /**
   * `profile`: a V8 CPU profile of the generator in bench/results/profiles/failover-clients/ (is
   * it the generator or gateway B that sets the reconnect rate?). `nice`: the process's nice value.
   */
  static start(setup: FailoverSetup, options: FleetOptions = {}): FailoverShard {
    if (options.profile) mkdirSync(PROFILE_DIR, { recursive: true });
    const profiling = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
    const command = [process.execPath, ...profiling, '--import', 'tsx', 'bench/load/failover-clients.ts'];
    // Through nice(1), so every thread of the process has the value (setpriority on a pid sets one thread's).
    const [file, ...args] = options.nice ? ['nice', '-n', String(options.nice), ...command] : command;
    const child = spawn(file!, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const shard = new FailoverShard(child, options.profile ?? false);
    shard.send({ type: 'start', setup });
    return shard;
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

  /** Forgets the answers of this type received so far (a status is asked for again and again). */
  forget(type: FromLoadGenerator['type']): void {
    this.#messages.splice(0, this.#messages.length, ...this.#messages.filter((m) => m.type !== type));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    if (this.profiling) {
      // It exits by itself once the channel closes, writing its profile on the way out.
      this.child.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, PROFILE_EXIT_MS))]);
      if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    }
    this.child.kill('SIGKILL');
    await exited;
  }

  send(message: ToLoadGenerator): void {
    this.child.send(message);
  }
}
