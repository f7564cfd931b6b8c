import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs');
const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
];

/** Markdown without fenced code blocks and code spans, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Inline links and images `[text](target)`, and reference definitions `[label]: target`. */
function links(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count ? `${slug}-${count}` : slug);
  }
  return result;
}

describe('documentation links', () => {
  for (const page of PAGES) {
    const name = relative(ROOT, page);
    it(`${name}: every link resolves inside the repository`, () => {
      const markdown = readFileSync(page, 'utf8');
      const problems: string[] = [];
      for (const link of links(markdown)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('//')) {
          problems.push(`${link}: leaves the repository`);
          continue;
        }
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path ? resolve(dirname(page), decodeURIComponent(path)) : page;
        if (target !== ROOT.replace(/[\\/]$/, '') && !target.startsWith(ROOT)) problems.push(`${link}: outside the repository`);
        else if (!existsSync(target)) problems.push(`${link}: no such file`);
        else if (anchor && target.endsWith('.md') && statSync(target).isFile() && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
          problems.push(`${link}: no heading #${anchor} in ${relative(ROOT, target).split(sep).join('/')}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('the README links every page in docs/', () => {
    const linked = new Set(links(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((l) => l.split('#')[0]));
    const pages = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`);
    assert.deepEqual(
      pages.filter((p) => !linked.has(p)),
      [],
    );
  });

  it('finds the links and anchors it checks', () => {
    assert.deepEqual(links('[a](x.md) ![i](img.png "t") `[c](no.md)`\n```\n[d](no.md)\n```\n[ref]: y.md#z'), ['x.md', 'img.png', 'y.md#z']);
    assert.deepEqual(
      [...anchors('# STOMP / WebSocket (gateway)\n## Looking into the data: `npm run studio`\n## Tests\n## Tests')],
      ['stomp--websocket-gateway', 'looking-into-the-data-npm-run-studio', 'tests', 'tests-1'],
    );
  });
});
