import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LOGGER_OPTIONS } from '../../src/observability/logger.js';

describe('logger', () => {
  it('never writes a bearer token or cookie', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = pino({ ...LOGGER_OPTIONS, level: 'info' }, sink);
    logger.info({ req: { headers: { authorization: 'Bearer secret.token.value', cookie: 'sid=1', host: 'x' } } }, 'request');
    const text = lines.join('');
    assert.ok(!text.includes('secret.token.value') && !text.includes('sid=1'), text);
    assert.match(text, /"authorization":"\[redacted\]"/);
    assert.match(text, /"host":"x"/);
  });
});
