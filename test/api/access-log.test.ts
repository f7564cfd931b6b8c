import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { LOGGER_OPTIONS } from '../../src/observability/logger.js';
import { DRIVER_SETS, startTestSystem, type TestSystem } from '../support/system.js';

const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgresql://unused/db', AMQP_URL: 'amqp://unused', JWT_SECRET: 'x'.repeat(32) };

interface Line {
  level: number;
  msg: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTimeMs?: number;
}

/** A system whose log lines (the app's real logger options, at `level`) the test reads. */
async function logged(env: Record<string, string>, level = 'info') {
  const lines: Line[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write: (chunk, _enc, done) => {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)) as Line);
      done();
    },
  });
  const t = await startTestSystem(DRIVER_SETS[0]!, { env, logger: pino({ ...LOGGER_OPTIONS, level }, sink) });
  const access = () => lines.filter((l) => l.req);
  return { t, lines, access, raw };
}

describe('access logs', function () {
  this.timeout(60_000);
  let systems: TestSystem[] = [];
  afterEach(async () => {
    await Promise.all(systems.map((t) => t.close()));
    systems = [];
  });

  it('in production at info: no line per poll; a failed request is logged at error', async () => {
    const { t, access } = await logged({ ...PRODUCTION, LOG_SLOW_REQUEST_MS: '60000' });
    systems.push(t);
    for (let i = 0; i < 50; i++) await t.http.get('/p2p/notifications?afterSeq=0').set('Authorization', t.auth('alice')).expect(200);
    await t.http.get('/p2p/notifications').expect(401);
    assert.deepEqual(access(), [], 'ordinary requests were logged');

    t.system.trades.listMine = () => Promise.reject(new Error('boom'));
    await t.http.get('/p2p/trades').set('Authorization', t.auth('alice')).expect(500);
    const [failed, ...rest] = access();
    assert.deepEqual(rest, []);
    assert.equal(failed!.level, 50);
    assert.equal(failed!.req!.method, 'GET');
    assert.equal(failed!.req!.url, '/p2p/trades');
    assert.equal(failed!.res!.statusCode, 500);
  });

  it('in production at info: a request slower than LOG_SLOW_REQUEST_MS is logged at warn, with its time', async () => {
    const { t, access } = await logged({ ...PRODUCTION, LOG_SLOW_REQUEST_MS: '1' });
    systems.push(t);
    const listMine = t.system.trades.listMine.bind(t.system.trades);
    t.system.trades.listMine = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return listMine(...args);
    };
    await t.http.get('/p2p/trades').set('Authorization', t.auth('alice')).expect(200);
    const slow = access().find((l) => l.req!.url === '/p2p/trades');
    assert.ok(slow, 'the slow request was not logged');
    assert.equal(slow.level, 40);
    assert.equal(slow.msg, 'slow request');
    assert.ok(slow.responseTimeMs! >= 20);
  });

  it('in demo mode logs a refused request at warn, a served one only at debug; tokens in URLs never reach a line', async () => {
    const { t, access, raw } = await logged({}, 'debug');
    systems.push(t);
    const token = t.token('alice');
    await t.http.get(`/p2p/notifications?access_token=${token}`).set('X-Access-Token', token).expect(401);
    await t.http.get('/p2p/notifications').set('Authorization', `Bearer ${token}`).expect(200);
    assert.deepEqual(
      access().map((l) => [l.res!.statusCode, l.level]),
      [
        [401, 40],
        [200, 20],
      ],
    );
    assert.ok(!raw.join('').includes(token), 'a token reached the log');
    assert.match(access()[0]!.req!.url, /access_token=\[redacted\]/);
  });
});
