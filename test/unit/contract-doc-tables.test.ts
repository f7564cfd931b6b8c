import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { APP_DESTINATION_TEMPLATES } from '../../src/contract/app-destinations.js';
import { DESTINATION_TEMPLATES } from '../../src/contract/destinations.js';

const CONTRACT_MD = readFileSync(new URL('../../docs/contract.md', import.meta.url), 'utf8');

/** The first column's code spans of the Markdown table whose header row is `header`. */
function firstColumn(header: string): string[] {
  const lines = CONTRACT_MD.split('\n');
  const start = lines.indexOf(header);
  assert.ok(start >= 0, `docs/contract.md has no table headed ${header}`);
  const rows: string[] = [];
  // Past the header and its |---| line, until the table ends.
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cell = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    assert.ok(cell, `a row without a destination in its first column: ${line}`);
    rows.push(cell[1]!);
  }
  return rows;
}

// The tables are written by hand, for readers; the destinations are declared in src/contract.
// Each must name every destination there is, and none that is not.
describe('docs/contract.md tables against src/contract', () => {
  it('the SUBSCRIBE table lists exactly the destination templates (destinations.ts)', () => {
    assert.deepEqual(firstColumn('| destination | payload | who |').sort(), Object.values(DESTINATION_TEMPLATES).sort());
  });

  it('the SEND table lists exactly the application destinations (app-destinations.ts)', () => {
    assert.deepEqual(firstColumn('| destination | body | does |').sort(), Object.values(APP_DESTINATION_TEMPLATES).sort());
  });
});
