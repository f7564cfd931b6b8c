// Bundles the browser client into client/dist/: the demo page (served by the api at /) and the
// library as one ES module for front ends that adopt it. Usage: node scripts/build-client.mjs
// It builds into a fresh folder beside client/dist and swaps it in, so a server serving the
// page while it runs never sees half a bundle.
import { chmod, copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { replaceDir } from './replace-dir.mjs';

const path = (relative) => fileURLToPath(new URL(`../${relative}`, import.meta.url));
const target = path('client/dist');
const outdir = await mkdtemp(`${target}.new-`);
await chmod(outdir, 0o755);

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

try {
  await Promise.all([
    build({ ...browser, entryPoints: { demo: path('client/demo/demo.ts') }, minify: true }),
    build({ ...browser, entryPoints: { 'realtime-client': path('client/src/index.ts') } }),
    copyFile(path('client/demo/index.html'), `${outdir}/index.html`),
    copyFile(path('client/demo/demo.css'), `${outdir}/demo.css`),
    // The gateway's SockJS iframe page loads this copy (src/config/client-dist.ts): the very
    // sockjs-client bundled above, and in the image, which keeps client/dist but no dev packages.
    copyFile(createRequire(import.meta.url).resolve('sockjs-client/dist/sockjs.min.js'), `${outdir}/sockjs.min.js`),
    copyFile(path('client/demo/favicon.svg'), `${outdir}/favicon.svg`),
  ]);
} catch (err) {
  await rm(outdir, { recursive: true, force: true });
  throw err;
}
replaceDir(outdir, target);
console.log(`client built into ${target}`);
