import { existsSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { StartupError } from '../config/startup-error.js';

export interface FolderUser {
  pid: number;
  command: string;
}

/**
 * Processes other than this one that have files under `dir` open (Linux, through /proc; empty
 * elsewhere or when `dir` does not exist). PGlite must not be opened by two processes at once,
 * and it keeps its files open while it runs, so this is the lock on the embedded data folder
 * that `npm start` and `npm run studio` both check.
 */
export function processesUsing(dir: string): FolderUser[] {
  if (process.platform !== 'linux' || !existsSync('/proc/self/fd') || !existsSync(dir)) return [];
  const prefix = realpathSync(dir) + sep;
  const found: FolderUser[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    const holds = fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${entry}/fd/${fd}`).startsWith(prefix);
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    } catch {
      // exited meanwhile
    }
    found.push({ pid: Number(entry), command });
  }
  return found;
}

/** Refuses to open a data folder that another process (Studio, a second `npm start`) holds. */
export function assertFolderFree(dir: string): void {
  const [holder] = processesUsing(dir);
  if (holder) {
    throw new StartupError(
      `the embedded database in ${dir} is in use by process ${holder.pid} (${holder.command.slice(0, 80)}): stop it first (Studio, another npm start), or set DATA_DIR`,
    );
  }
}
