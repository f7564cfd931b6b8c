// `npm run studio` end to end: scripts/studio.mjs starts Prisma Studio (the Prisma 7 CLI in
// prisma/studio/) on a scratch PostgreSQL database and on an embedded data folder, the test
// reads rows through Studio's data endpoint (POST /bff, which the Studio page uses for every
// query), then stops it with SIGTERM and checks that nothing it started is left running.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Database } from '../../src/persistence/database.js';
import { openEmbeddedDatabase } from '../../src/persistence/embedded-database.js';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { migrate } from '../../src/persistence/migrator.js';
import { createScratchPostgres } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'studio.mjs');

interface Studio {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Studio>();

/** The script with only the given database settings (none inherited from the caller's env). */
async function startStudio(settings: { DATABASE_URL?: string; DATA_DIR?: string }): Promise<Studio> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, STUDIO_PORT: String(port) };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  Object.assign(env, settings);
  // Its own process group, so the test can tell whether anything it started outlives it.
  const child = spawn(process.execPath, [SCRIPT], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const studio: Studio = { child, port, output: () => output, exited };
  running.add(studio);
  return studio;
}

async function waitUntilServing(studio: Studio): Promise<void> {
  let exited = false;
  void studio.exited.then(() => (exited = true));
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (exited) assert.fail(`studio exited before serving:\n${studio.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${studio.port}/`);
      if (response.status === 200 && /__STUDIO_CONFIG__/.test(await response.text())) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) assert.fail(`studio did not serve its page within 45 s:\n${studio.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One SQL query through Studio's data endpoint, as the Studio page sends it. */
async function studioQuery<Row>(studio: Studio, sql: string): Promise<Row[]> {
  const response = await fetch(`http://127.0.0.1:${studio.port}/bff`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ procedure: 'query', query: { sql, parameters: [] } }),
  });
  assert.equal(response.status, 200);
  const [error, rows] = (await response.json()) as [unknown, Row[]];
  assert.equal(error, null, `Studio reported an error: ${JSON.stringify(error)}`);
  return rows;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** SIGTERM, as `npm run studio` gets on Ctrl-C; it must exit 0 and leave nothing behind. */
async function stopStudio(studio: Studio): Promise<void> {
  studio.child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  const result = await Promise.race([studio.exited, timeout]);
  assert.notEqual(result, 'timeout', `studio did not exit within 15 s of SIGTERM:\n${studio.output()}`);
  assert.deepEqual(result, { code: 0, signal: null }, studio.output());
  running.delete(studio);
  await eventually(() => assert.equal(groupAlive(studio.child.pid!), false, 'a process of the studio group is still running'), 5_000);
  await assert.rejects(fetch(`http://127.0.0.1:${studio.port}/`), 'Studio still serves after stopping');
}

async function insertTrades(db: Database, prefix: string, count: number): Promise<void> {
  await db.prisma.trade.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      buyerId: `${prefix}-buyer-${i + 1}`,
      sellerId: `${prefix}-seller-${i + 1}`,
      amount: `${i + 1}.5`,
      asset: 'USDT',
      fiat: 'EUR',
    })),
  });
}

describe('npm run studio (scripts/studio.mjs)', function () {
  this.timeout(60_000);

  before(async function () {
    // First use installs the Prisma 7 CLI into prisma/studio/node_modules (about 15 s here).
    this.timeout(300_000);
    const install = spawn(process.execPath, [SCRIPT, '--install-only'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise((resolve) => install.once('exit', resolve));
    assert.equal(code, 0, 'installing the Studio CLI failed');
  });

  afterEach(async () => {
    for (const studio of running) {
      try {
        process.kill(-studio.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await studio.exited;
    }
    running.clear();
  });

  describe('on PostgreSQL (DATABASE_URL set)', () => {
    let scratch: Awaited<ReturnType<typeof createScratchPostgres>>;

    before(async () => {
      scratch = await createScratchPostgres();
      const db = await openPostgresDatabase({ url: scratch.url });
      try {
        await migrate(db);
        await insertTrades(db, 'pg', 3);
      } finally {
        await db.close();
      }
    });

    after(async () => {
      await scratch?.drop();
    });

    it('serves Studio, returns the rows through its data endpoint, and stops cleanly', async () => {
      const studio = await startStudio({ DATABASE_URL: scratch.url });
      await waitUntilServing(studio);
      assert.match(studio.output(), /Prisma Studio is running at/);

      const rows = await studioQuery<{ buyer_id: string; amount: string; status: string }>(
        studio,
        'SELECT buyer_id, amount, status FROM trades ORDER BY buyer_id',
      );
      assert.deepEqual(
        rows.map((r) => [r.buyer_id, Number(r.amount), r.status]),
        [
          ['pg-buyer-1', 1.5, 'PENDING'],
          ['pg-buyer-2', 2.5, 'PENDING'],
          ['pg-buyer-3', 3.5, 'PENDING'],
        ],
      );
      // What the Studio page asks first: the tables and their columns.
      const tables = await studioQuery<{ table_name: string }>(
        studio,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      assert.ok(tables.some((t) => t.table_name === 'trades'));

      await stopStudio(studio);
      // Its connections to the database are closed too.
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      try {
        const { rows: others } = await client.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        assert.equal(others[0].n, 0);
      } finally {
        await client.end();
      }
    });
  });

  describe('on the embedded database (DATABASE_URL unset)', () => {
    let dataDir: string;
    let db: Database | undefined;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'studio-test-'));
      // As `npm start` leaves it: migrated by the app, with some rows.
      db = await openEmbeddedDatabase(join(dataDir, 'pglite'));
      await migrate(db);
      await insertTrades(db, 'emb', 2);
    });

    after(async () => {
      await db?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    // The check reads /proc, so it exists on Linux only (this project's machines and CI).
    it('refuses while another process has the data folder open (Linux)', async () => {
      // This test process holds the folder open, as a running `npm start` would.
      const studio = await startStudio({ DATA_DIR: dataDir });
      const { code } = await studio.exited;
      running.delete(studio);
      assert.equal(code, 1);
      assert.match(studio.output(), new RegExp(`studio: the embedded database in .* is in use by process ${process.pid} .*stop it`));
    });

    it('serves Studio over the data folder, returns the rows, and stops cleanly', async () => {
      await db!.close();
      db = undefined;
      const studio = await startStudio({ DATA_DIR: dataDir });
      await waitUntilServing(studio);

      const rows = await studioQuery<{ buyer_id: string; amount: string }>(studio, 'SELECT buyer_id, amount FROM trades ORDER BY buyer_id');
      assert.deepEqual(
        rows.map((r) => [r.buyer_id, Number(r.amount)]),
        [
          ['emb-buyer-1', 1.5],
          ['emb-buyer-2', 2.5],
        ],
      );
      // A write through Studio lands in the folder.
      await studioQuery(studio, "UPDATE trades SET status = 'PAID' WHERE buyer_id = 'emb-buyer-1'");
      await stopStudio(studio);

      // PGlite was closed cleanly: the app's own driver opens the folder and sees the write.
      db = await openEmbeddedDatabase(join(dataDir, 'pglite'));
      const paid = await db.prisma.trade.findMany({ where: { status: 'PAID' }, select: { buyerId: true } });
      assert.deepEqual(paid, [{ buyerId: 'emb-buyer-1' }]);
    });

    it('says to run `npm start` once first when there is no data folder', async () => {
      const studio = await startStudio({ DATA_DIR: join(dataDir, 'missing') });
      const { code } = await studio.exited;
      running.delete(studio);
      assert.equal(code, 1);
      assert.match(studio.output(), /studio: no embedded database in .*missing.*: run `npm start` once first/);
    });
  });
});
