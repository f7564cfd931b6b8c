import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const LOCK_MODULE = pathToFileURL(join(import.meta.dirname, '../../scripts/build-lock.mjs')).href;

describe('the build lock (one build of a tree at a time)', function () {
  this.timeout(20_000);

  it('is not taken from a holder that has only just created it, however long the waiter has waited', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'build-lock-')), 'lock');
    try {
      // A first holder, alive, for long enough that the waiter has been waiting well over a second.
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      const waiter = spawn(process.execPath, [
        '--input-type=module',
        '-e',
        `import { withLock } from '${LOCK_MODULE}'; withLock(${JSON.stringify(dir)}, () => console.log('held'));`,
      ]);
      let heldAt: number | undefined;
      waiter.stdout.on('data', () => (heldAt ??= Date.now()));
      const exited = new Promise<number | null>((resolve) => waiter.on('exit', resolve));
      await sleep(1_500);

      // The state of a lock a second holder has only just created, between its mkdir and its pid
      // write: a folder without a pid, changed a moment ago. The waiter must not read it as
      // abandoned. Made by removing the pid (which renews the folder's mtime), not by removing the
      // folder and making it again: in that gap the waiter would take the lock, and the test's own
      // mkdir would fail with EEXIST (it did, in CI).
      unlinkSync(join(dir, 'pid'));
      await sleep(300); // well inside the lock's 1 s grace, even on a busy machine
      writeFileSync(join(dir, 'pid'), String(process.pid));
      await sleep(300);
      const releasedAt = Date.now();
      rmSync(dir, { recursive: true });

      assert.equal(await exited, 0);
      assert.ok(heldAt !== undefined && heldAt >= releasedAt, `the waiter took the lock ${releasedAt - (heldAt ?? 0)} ms before it was released`);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
