import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../../', import.meta.url);

describe("the README's folder map", () => {
  it('names every folder under src/ (a subfolder counts for its parent)', () => {
    const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
    const folders = readdirSync(fileURLToPath(new URL('src/', ROOT)), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `src/${entry.name}/`);
    assert.deepEqual(
      folders.filter((folder) => !readme.includes(`| \`${folder}`)),
      [],
    );
  });
});
