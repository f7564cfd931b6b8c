// npx tsx bench/profile-top.ts <file.cpuprofile> [rows]
// What a V8 CPU profile (`npm run bench -- --profile`, node --cpu-prof) spent its busy time on:
// self time by package (or our own folder), then by function. Idle samples are left out.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [rows]');
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
const busy = profile.nodes.filter((n) => n.callFrame.functionName !== '(idle)');
const total = busy.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);

/** node_modules/<package>, our dist/src folder, node:internal, or V8's own entries (GC, native calls). */
function owner({ callFrame: { url, functionName } }: ProfileNode): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(?:dist|src|bench)\/([^/]+)\//.exec(url);
  if (ours) return `(ours) ${ours[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? `${functionName.startsWith('(') ? functionName : 'native: system calls, crypto, ...'}` : url;
}
const where = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist|src|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
};

function top(title: string, key: (n: ProfileNode) => string): void {
  const sums = new Map<string, number>();
  for (const n of busy) sums.set(key(n), (sums.get(key(n)) ?? 0) + (n.hitCount ?? 0));
  console.log(`${title}:`);
  for (const [name, hits] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * hits) / total).toFixed(1).padStart(6)}%  ${name}`);
  }
}

console.log(`${total} busy samples`);
top('self time by owner', owner);
top('self time by function', where);
