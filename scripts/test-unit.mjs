// npm run test:unit: the test files that need no service, run in one mocha. A file belongs to
// this tier exactly when nothing it imports (directly or through other test files) reaches
// test/support/services.ts or test/support/services/, which start PostgreSQL and RabbitMQ; a new
// test file is sorted by that rule with nothing to declare. Extra arguments go to mocha;
// `--list` prints the tier's files instead.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TEST_DIR = join(ROOT, 'test');
const SERVICES = [join(TEST_DIR, 'support', 'services.ts'), join(TEST_DIR, 'support', 'services') + '/'];
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Test files (under test/) a file imports; src/ and client/ never import tests. */
function testImports(file) {
  const found = [];
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
    const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
    if (target.startsWith(TEST_DIR) && existsSync(target)) found.push(target);
  }
  return found;
}

const usesServices = new Map();
function reachesServices(file, visiting = new Set()) {
  if (SERVICES.some((path) => file === path || (path.endsWith('/') && file.startsWith(path)))) return true;
  if (usesServices.has(file)) return usesServices.get(file);
  if (visiting.has(file)) return false;
  visiting.add(file);
  const result = testImports(file).some((target) => reachesServices(target, visiting));
  usesServices.set(file, result);
  return result;
}

const testFiles = readdirSync(TEST_DIR, { recursive: true })
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => join(TEST_DIR, name))
  .sort();
const unitFiles = testFiles.filter((file) => !reachesServices(file)).map((file) => relative(ROOT, file));

if (process.argv.includes('--list')) {
  console.log(unitFiles.join('\n'));
  process.exit(0);
}
const mocha = spawn(process.execPath, [join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...process.argv.slice(2), ...unitFiles], {
  cwd: ROOT,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => mocha.kill(signal));
mocha.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
