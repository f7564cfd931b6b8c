import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Every process a test run starts for its services carries this variable, set to the run's own
 * folder. Found through /proc, they can all be stopped without a pid file and without touching
 * the machine's own PostgreSQL, RabbitMQ or epmd (which never carry it).
 */
export const MARKER_VARIABLE = 'P2P_TEST_SERVICES';

export interface MarkedProcess {
  pid: number;
  /** The executable's short name: postgres, beam.smp, epmd, ... */
  comm: string;
}

export function markedProcesses(runDir: string): MarkedProcess[] {
  const wanted = `${MARKER_VARIABLE}=${runDir}`;
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted)) continue;
      found.push({ pid: Number(entry), comm: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** SIGKILLs every process of the run until none is left (a dying beam may still spawn helpers). */
export async function killMarkedProcesses(runDir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = markedProcesses(runDir);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`could not stop ${left.map((p) => `${p.comm}[${p.pid}]`).join(', ')}`);
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(50);
  }
}
