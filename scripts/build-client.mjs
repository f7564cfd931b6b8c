// Bundles the browser client into client/dist/: the demo page (served by the api at /) and the
// library as one ES module for front ends that adopt it. Usage: node scripts/build-client.mjs
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const path = (relative) => fileURLToPath(new URL(`../${relative}`, import.meta.url));
const outdir = path('client/dist');

const browser = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  outdir,
  // sockjs-client reads the Node global `global`.
  define: { global: 'globalThis' },
  logLevel: 'warning',
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await Promise.all([
  build({ ...browser, entryPoints: { demo: path('client/demo/demo.ts') }, minify: true }),
  build({ ...browser, entryPoints: { 'realtime-client': path('client/src/index.ts') } }),
  copyFile(path('client/demo/index.html'), `${outdir}/index.html`),
  copyFile(path('client/demo/demo.css'), `${outdir}/demo.css`),
]);
console.log(`client built into ${outdir}`);
