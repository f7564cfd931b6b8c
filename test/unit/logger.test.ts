import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LOGGER_OPTIONS } from '../../src/observability/logger.js';
import { redactSecrets } from '../../src/observability/redact.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { logger: pino({ ...LOGGER_OPTIONS, level: 'info' }, sink), text: () => lines.join('') };
}

describe('logger', () => {
  it('never writes a bearer token or cookie', () => {
    const { logger, text } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer secret.token.value', cookie: 'sid=1', host: 'x' } } }, 'request');
    assert.ok(!text().includes('secret.token.value') && !text().includes('sid=1'), text());
    assert.match(text(), /"authorization":"\[redacted\]"/);
    assert.match(text(), /"host":"x"/);
  });

  it('redacts a token in any header and in query strings', () => {
    const { logger, text } = capture();
    logger.info({
      req: {
        url: `/p2p/trades?access_token=opaque-secret&limit=5`,
        headers: { 'x-access-token': 'opaque-secret-2', 'x-forwarded-auth': `Bearer ${JWT}`, 'X-Api-Key': 'k' },
      },
      url: `/ws/info?token=${JWT}`,
    });
    for (const secret of ['opaque-secret', JWT, '"k"']) assert.ok(!text().includes(secret), text());
    assert.match(text(), /access_token=\[redacted\]&limit=5/);
    assert.match(text(), /"x-forwarded-auth":"Bearer \[redacted\]"/);
  });

  it('finds tokens in free text, such as a SockJS log line', () => {
    assert.equal(redactSecrets(`GET /ws/000/abc/xhr?jwt=${JWT} 3ms 200`), 'GET /ws/000/abc/xhr?jwt=[redacted] 3ms 200');
    assert.equal(redactSecrets(`token ${JWT} seen`), 'token [redacted] seen');
    assert.equal(redactSecrets('/p2p/trades?limit=5'), '/p2p/trades?limit=5');
  });
});
