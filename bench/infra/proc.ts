import { readFileSync } from 'node:fs';

// Linux reports process CPU time in clock ticks of 1/USER_HZ seconds; USER_HZ is 100 on every
// mainstream distribution (`getconf CLK_TCK`), and a 4-5 s window at 100 ticks/s is fine enough.
const TICK_MS = 10;

/**
 * CPU time (user + system, all threads) a process has used so far, in milliseconds. Read from
 * /proc so it works alike for our Node children and for RabbitMQ's beam.smp (Web-STOMP).
 */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may contain spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after comm and state.
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The soft limit on open files of a process. */
export function openFileLimit(pid: number): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  if (!match) throw new Error(`no open-file limit for pid ${pid}`);
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}
