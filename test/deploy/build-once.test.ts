import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRoleBackends } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { freePorts } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What a clone has before its first build (node_modules is shared: installing is not the subject). */
const CHECKOUT = ['src', 'client', 'prisma', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'prisma.config.ts'];
const BUILT = /build: building/g;

interface Started {
  role: string;
  port: number;
  child: ChildProcess;
  output(): string;
}

// Four terminals, a Procfile or pm2 start the roles together from one checkout: each runs
// `npm run start:<role>`, whose first step builds the tree unless it is current.
describe('build once, start many (one checkout)', function () {
  this.timeout(300_000);
  let tree: string;
  let env: NodeJS.ProcessEnv;
  let cleanUp: () => Promise<void>;
  const started: Started[] = [];

  before(async () => {
    tree = mkdtempSync(join(tmpdir(), 'p2p-checkout-'));
    for (const entry of CHECKOUT) {
      cpSync(join(ROOT, entry), join(tree, entry), {
        recursive: true,
        filter: (source) => !/[/\\](dist|generated)([/\\]|$)/.test(source.slice(ROOT.length)),
      });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    const backends = await createRoleBackends();
    env = { ...backends.env, HOST: '127.0.0.1' };
    cleanUp = () => backends.dispose();
  });

  const stopAll = async () => {
    await Promise.all(
      started.splice(0).map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        process.kill(-child.pid!, 'SIGTERM');
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };

  after(async () => {
    await stopAll();
    await cleanUp?.();
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  const start = (role: string, port: number): Started => {
    // Its own process group: npm, its shell and node stop together.
    const child = spawn('npm', ['run', `start:${role}`], { cwd: tree, env: { ...env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const proc = { role, port, child, output: () => output };
    started.push(proc);
    return proc;
  };

  const ready = (proc: Started) =>
    eventually(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${proc.role} exited: ${proc.output()}`);
        assert.equal((await fetch(`http://127.0.0.1:${proc.port}/readyz`)).status, 200);
      },
      240_000,
      250,
    );

  it('four roles started at the same instant on an unbuilt tree all come up, and the tree is built once', async () => {
    const ports = await freePorts(4);
    const roles = ['api', 'gateway', 'gateway', 'notification'].map((role, i) => start(role, ports[i]!));
    await Promise.all(roles.map(ready));
    const builds = roles.reduce((n, r) => n + (r.output().match(BUILT)?.length ?? 0), 0);
    assert.equal(builds, 1, roles.map((r) => `${r.role}: ${r.output()}`).join('\n'));
    await stopAll();
  });

  it('a start on the built tree does not build again', async () => {
    const stamp = statSync(join(tree, 'dist/.build-stamp'));
    const [port] = await freePorts(1);
    const api = start('api', port!);
    await ready(api);
    assert.doesNotMatch(api.output(), BUILT);
    const after = statSync(join(tree, 'dist/.build-stamp'));
    assert.equal(after.ino, stamp.ino, 'dist/ was replaced');
    assert.equal(after.mtimeMs, stamp.mtimeMs);
  });

  it('a build removes what a killed build left: temp folders, and the old trees a swap set aside', () => {
    // Ctrl-C between a swap's renames and its delete leaves `<target>.old-*`; during esbuild, `client/dist.new-*`.
    const leftovers = ['dist.new-x', 'dist.old-1-1', 'client/dist.new-x', 'client/dist.old-1-1', 'src/generated/prisma.old-1-1'];
    for (const dir of leftovers) mkdirSync(join(tree, dir, 'sub'), { recursive: true });
    rmSync(join(tree, 'dist/.build-stamp'), { force: true });
    execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: tree, stdio: 'ignore' });
    assert.deepEqual(
      leftovers.filter((dir) => existsSync(join(tree, dir))),
      [],
    );
  });
});
