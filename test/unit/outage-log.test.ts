import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { OutageLog } from '../../src/observability/outage-log.js';

function capture() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('OutageLog (a dependency that is down is logged on change, not on every retry)', () => {
  it('one line when a never-reached dependency fails, a reminder a minute, one line when it answers', () => {
    const { logger, lines } = capture();
    let now = 0;
    const outage = new OutageLog(logger, 'the database', { remindEveryMs: 60_000, now: () => now });
    for (; now < 150_000; now += 1_000) outage.down(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    outage.up();
    outage.up();
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        'the database is unreachable (connect ECONNREFUSED 127.0.0.1:1); retrying',
        'the database is still unreachable after 60 s (connect ECONNREFUSED 127.0.0.1:1); retrying',
        'the database is still unreachable after 120 s (connect ECONNREFUSED 127.0.0.1:1); retrying',
        'the database is reachable (after 150 s)',
      ],
    );
  });

  it('says "lost" only for a dependency that was reached before', () => {
    const { logger, lines } = capture();
    const outage = new OutageLog(logger, 'RabbitMQ', { now: () => 0 });
    outage.up();
    outage.down(new Error('socket closed'));
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['RabbitMQ is reachable', 'RabbitMQ connection lost (socket closed); retrying'],
    );
  });
});
