import assert from 'node:assert/strict';
import { isoInstant } from '../../src/http/validation.js';

describe('since parameter (ISO-8601 with or without zone)', () => {
  const valid: [string, string][] = [
    ['2026-11-29T10:15:30.123Z', '2026-11-29T10:15:30.123Z'],
    ['2026-11-29T10:15:30.123', '2026-11-29T10:15:30.123Z'],
    ['2026-11-29T10:15:30', '2026-11-29T10:15:30.000Z'],
    ['2026-11-29T10:15', '2026-11-29T10:15:00.000Z'],
    ['2026-11-29', '2026-11-29T00:00:00.000Z'],
    ['2026-11-29T10:15:30.123456789', '2026-11-29T10:15:30.123Z'],
    ['2026-11-29T17:15:30.5+07:00', '2026-11-29T10:15:30.500Z'],
    ['2026-11-29T17:15:30+0700', '2026-11-29T10:15:30.000Z'],
    ['2026-11-29 10:15:30', '2026-11-29T10:15:30.000Z'],
  ];
  for (const [input, expected] of valid) {
    it(`reads ${input} as ${expected}`, () => {
      assert.equal(isoInstant.parse(input).toISOString(), expected);
    });
  }
  for (const input of ['', 'now', '2026-11-29T25:00:00Z', '2026-02-30T00:00:00Z', '29/11/2026', '2026-11-29T10:15:30ZZ', '1732874130000']) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.equal(isoInstant.safeParse(input).success, false);
    });
  }
});
