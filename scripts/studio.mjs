#!/usr/bin/env node
// `npm run studio`: Prisma Studio on the configured database.
//
//   DATABASE_URL set    PostgreSQL, as the app uses it.
//   DATABASE_URL unset  the embedded database (PGlite) in $DATA_DIR/pglite (default ./data),
//                       served to Studio over the PostgreSQL wire protocol on 127.0.0.1 by
//                       @electric-sql/pglite-socket, from this process. No migrations are
//                       applied. PGlite must not be opened by two processes at once, so this
//                       refuses to start while another process (such as `npm start`) has files
//                       of that folder open (src/persistence/folder-users.ts; `npm start`
//                       makes the same check the other way round).
//
// Studio itself is the Prisma 7 CLI, installed in prisma/studio/ with its own package.json and
// lockfile (on first use, here): Prisma 6.19.3's Studio cannot work offline, and installing
// Prisma 7 in the root package would replace the root `prisma` bin that the build uses.
//
// Env: STUDIO_PORT (default 5555). Options: --install-only (install the CLI and exit).
// Studio binds 127.0.0.1 only; it can read and write every table.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const studioDir = join(root, 'prisma', 'studio');
const studioCli = join(studioDir, 'node_modules', 'prisma', 'build', 'index.js');
const HOST = '127.0.0.1';
const STOP_GRACE_MS = 5_000;

class UserError extends Error {}

/** A path as the user would type it: relative inside the working directory, else absolute. */
function display(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

const log = (message) => console.error(`[studio] ${message}`);
const env = (name) => (process.env[name]?.trim() ? process.env[name].trim() : undefined);

function studioPort() {
  const raw = env('STUDIO_PORT');
  if (raw === undefined) return 5555;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`STUDIO_PORT is invalid: "${raw}" (expected an integer between 1 and 65535)`);
  }
  return port;
}

function assertPortFree(port) {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (error) =>
      fail(error.code === 'EADDRINUSE' ? new UserError(`port ${port} on ${HOST} is in use: set STUDIO_PORT to another port`) : error),
    );
    probe.listen(port, HOST, () => probe.close(() => done()));
  });
}

/** Installs prisma/studio's pinned Prisma 7 CLI unless the installed one matches. */
function ensureStudioCli() {
  const wanted = JSON.parse(readFileSync(join(studioDir, 'package.json'), 'utf8')).dependencies.prisma;
  const installedManifest = join(studioDir, 'node_modules', 'prisma', 'package.json');
  if (existsSync(installedManifest) && JSON.parse(readFileSync(installedManifest, 'utf8')).version === wanted) return;
  log(`installing the Prisma ${wanted} CLI for Studio into prisma/studio/node_modules (first run only)...`);
  // Install scripts are skipped: they only fetch engines, which Studio does not use.
  const npm = process.env.npm_execpath?.endsWith('.js') ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  const result = spawnSync(npm[0], [...npm[1], 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel', 'error'], {
    cwd: studioDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0 || !existsSync(studioCli)) {
    throw new UserError(`could not install the Prisma CLI for Studio (npm ci in ${display(studioDir)} failed)`);
  }
}

/** Opens the embedded database read/write and serves it on a free 127.0.0.1 port. */
async function serveEmbedded() {
  const dataDir = resolve(env('DATA_DIR') ?? './data');
  const dir = join(dataDir, 'pglite');
  const shown = display(dir);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    throw new UserError(`no embedded database in ${shown}: run \`npm start\` once first (or set DATA_DIR, or DATABASE_URL for PostgreSQL)`);
  }
  // The same check `npm start` makes the other way round, from the app's source.
  const { processesUsing } = await tsImport('../src/persistence/folder-users.ts', import.meta.url);
  const users = processesUsing(dir);
  if (users.length > 0) {
    const [first] = users;
    throw new UserError(`the embedded database in ${shown} is in use by process ${first.pid} (${first.command.slice(0, 80)}): stop it (\`npm start\`) first`);
  }
  // Imported here so the PostgreSQL path needs neither package.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = new PGlite(dir);
  await db.waitReady;
  // PGlite is one session: Studio gets one connection (max=1 below); a few spare sockets
  // let a reconnect in while a dead one is being detached.
  const server = new PGLiteSocketServer({ db, host: HOST, port: 0, maxConnections: 4 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  log(`embedded database ${shown} served on ${HOST}:${port} for Studio`);
  return {
    // postgres.js (Studio's driver) reads pool options from the query string.
    url: `postgresql://postgres@${HOST}:${port}/postgres?max=1`,
    async close() {
      await server.stop();
      if (!db.closed) await db.close();
    },
  };
}

function servePostgres(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('DATABASE_URL is not a valid URL');
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new UserError(`DATABASE_URL must be a postgresql:// URL (got ${parsed.protocol}//...)`);
  }
  log(`PostgreSQL database ${parsed.pathname.slice(1) || '(default)'} on ${parsed.host}`);
  return { url, close: async () => {} };
}

async function main() {
  if (process.argv.includes('--install-only')) {
    ensureStudioCli();
    return 0;
  }
  const port = studioPort();
  await assertPortFree(port);
  ensureStudioCli();

  const databaseUrl = env('DATABASE_URL');
  const database = databaseUrl ? servePostgres(databaseUrl) : await serveEmbedded();

  // The URL goes through the environment (read by prisma/studio/prisma.config.mjs), not argv,
  // so a password never shows in the process list.
  const studio = spawn(process.execPath, [studioCli, 'studio', '--config', 'prisma.config.mjs', '--port', String(port), '--browser', 'none'], {
    cwd: studioDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, STUDIO_DATABASE_URL: database.url, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  const exited = new Promise((done) => {
    studio.once('exit', (code, signal) => done({ code, signal }));
    studio.once('error', (error) => {
      log(`could not start Studio: ${error.message}`);
      done({ code: 1, signal: null });
    });
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      // A second Ctrl-C: do not wait for Studio any longer.
      studio.kill('SIGKILL');
      return;
    }
    stopping = true;
    log(`${signal}: stopping Studio`);
    if (studio.exitCode === null && studio.signalCode === null) studio.kill('SIGTERM');
    setTimeout(() => studio.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // Under `npm run`, a SIGTERM sent to npm reaches only the shell npm started, which dies
  // without passing it on: stop when the parent goes away rather than linger as an orphan.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent && !stopping) stop('parent exited');
    }, 1_000).unref();
  }

  const { code, signal } = await exited;
  await database.close();
  if (stopping) {
    log('stopped');
    return 0;
  }
  log(`Studio exited (${signal ?? `code ${code}`})`);
  return code === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof UserError ? `studio: ${error.message}` : error);
    process.exit(1);
  },
);
