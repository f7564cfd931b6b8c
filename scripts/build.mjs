// npm run build: the Prisma client (src/generated/prisma), tsc into dist/ and the browser bundle
// (client/dist/). `--if-stale` (what every start, db:migrate and npm test run first) builds
// only when an input is newer than the last build, so starting a role on a built tree costs a
// few stat calls. Safe to run from several processes at once (four terminals, a Procfile):
//  - one builds at a time (a lock folder; a dead holder's lock is taken over), and whoever
//    waited checks again, so a tree is built once however many start together;
//  - each output is written to a temp folder and renamed into place, so nothing ever reads a
//    half-written dist/, client/dist/ or Prisma client.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './build-lock.mjs';
import { replaceDir } from './replace-dir.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const at = (path) => join(ROOT, path);
/** Everything a build reads. src/generated is its output. */
const INPUTS = [
  'src',
  'client/src',
  'client/demo',
  'prisma/schema.prisma',
  'prisma.config.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
  'scripts/build.mjs',
  'scripts/build-client.mjs',
];
const GENERATED = at('src/generated');
const OUTPUTS = ['dist/main.js', 'client/dist/index.html', 'src/generated/prisma/client.ts'];
/** Written last, inside dist/: its mtime is the moment the build read its inputs. */
const STAMP = at('dist/.build-stamp');
const LOCK = at('.build.lock');
// Temp folders: the Prisma client's (mirroring the tree) and dist's, beside dist/ so that the
// source maps' relative paths stay right after the rename.
const TEMP_PREFIXES = ['.build-', 'dist.new-'];
/** What a killed build can leave, by folder: temp folders, and old trees replaceDir set aside. */
const LEFTOVERS = [
  ['.', [...TEMP_PREFIXES, 'dist.old-']],
  ['client', ['dist.new-', 'dist.old-']],
  ['src/generated', ['prisma.old-']],
];

/** The newest input and its mtime (ms). */
function newestInput() {
  let newest = { path: '', mtimeMs: 0 };
  const visit = (path) => {
    if (path === GENERATED || !existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else if (stat.mtimeMs > newest.mtimeMs) newest = { path, mtimeMs: stat.mtimeMs };
  };
  for (const input of INPUTS) visit(at(input));
  return newest;
}

/** Why the tree needs a build, or undefined when it is built and current. */
export function staleReason() {
  const missing = [...OUTPUTS, 'dist/.build-stamp'].find((path) => !existsSync(at(path)));
  if (missing) return `${missing} is missing`;
  const newest = newestInput();
  return newest.mtimeMs > statSync(STAMP).mtimeMs ? `${relative(ROOT, newest.path)} changed` : undefined;
}

/** Holds the build lock while `work` runs. */
function withBuildLock(work) {
  return withLock(LOCK, work, () => console.error('build: waiting for another build of this tree'));
}

// Progress goes to stderr: stdout stays the started command's own.
const run = (command, args) => execFileSync(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
const bin = (name) => at(`node_modules/.bin/${name}`);

function buildNow(reason) {
  console.error(`build: building (${reason})`);
  const startedAt = new Date();
  // Left by a build that was killed (its lock has been taken over, so none is running).
  for (const [folder, prefixes] of LEFTOVERS) {
    if (!existsSync(at(folder))) continue;
    for (const entry of readdirSync(at(folder))) {
      if (prefixes.some((prefix) => entry.startsWith(prefix))) rmSync(join(at(folder), entry), { recursive: true, force: true });
    }
  }
  const temp = mkdtempSync(at(TEMP_PREFIXES[0]));
  const dist = mkdtempSync(at(TEMP_PREFIXES[1]));
  try {
    // The schema's output path is relative (../src/generated/prisma): the same layout inside
    // the temp folder generates the same client there.
    mkdirSync(join(temp, 'prisma'));
    cpSync(at('prisma/schema.prisma'), join(temp, 'prisma/schema.prisma'));
    run(bin('prisma'), ['generate', '--schema', join(temp, 'prisma/schema.prisma')]);
    mkdirSync(GENERATED, { recursive: true });
    replaceDir(join(temp, 'src/generated/prisma'), join(GENERATED, 'prisma'));
    run(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', dist]);
    run(process.execPath, [at('scripts/build-client.mjs')]);
    writeFileSync(join(dist, '.build-stamp'), `${startedAt.toISOString()}\n`);
    utimesSync(join(dist, '.build-stamp'), startedAt, startedAt);
    chmodSync(dist, 0o755);
    replaceDir(dist, at('dist'));
  } finally {
    for (const folder of [temp, dist]) rmSync(folder, { recursive: true, force: true });
  }
}

/** Builds unless the tree is built and current; returns whether it built. */
export function buildIfStale() {
  if (!staleReason()) return false;
  return withBuildLock(() => {
    // Whoever held the lock may just have built it.
    const reason = staleReason();
    if (reason) buildNow(reason);
    return Boolean(reason);
  });
}

export function build() {
  withBuildLock(() => buildNow('asked for'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale')) buildIfStale();
  else build();
}
