import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

      // The first holder lets go and a second one takes the lock: between its mkdir and its pid
      // write, the folder has no pid, which the waiter must not read as abandoned.
      rmSync(dir, { recursive: true });
      mkdirSync(dir);
      await sleep(500);
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
