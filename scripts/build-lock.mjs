// The lock that lets one of several processes build a tree at a time (scripts/build.mjs).
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A holder writes its pid right after creating the folder. A folder older than this without a
// pid was left by a holder that died in between. Measured from the folder's own time, not from
// how long the waiter has waited: a waiter that waited through a long build must not take a lock
// that a new holder created a moment ago (it did, and the new holder's pid write failed: ENOENT).
const NO_PID_GRACE_MS = 1_000;
const POLL_MS = 100;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function abandoned(dir) {
  let holder;
  try {
    holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {
    holder = Number.NaN;
  }
  if (!Number.isNaN(holder)) return !alive(holder);
  try {
    return Date.now() - statSync(dir).mtimeMs > NO_PID_GRACE_MS;
  } catch {
    return false; // Gone meanwhile: the next mkdir may get it.
  }
}

/** Holds the lock folder `dir` while `work` runs. A lock whose holder has died is taken over. */
export function withLock(dir, work, onWait = () => {}) {
  for (let waited = 0; ; waited++) {
    if (tryTake(dir)) break;
    if (abandoned(dir)) rmSync(dir, { recursive: true, force: true });
    else if (waited === 0) onWait();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, POLL_MS);
  }
  try {
    return work();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tryTake(dir) {
  try {
    mkdirSync(dir);
  } catch (err) {
    if (err.code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeFileSync(join(dir, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    // Taken over between the mkdir and the write (by a waiter that judged it abandoned): queue again.
    if (err.code === 'ENOENT') return false;
    throw err;
  }
}
