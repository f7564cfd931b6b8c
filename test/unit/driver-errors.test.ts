import assert from 'node:assert/strict';
import { isDatabaseUnavailable, violatesUnique } from '../../src/persistence/driver-errors.js';

describe('database-unavailable classification (503 rather than 500)', () => {
  const unavailable: [string, unknown][] = [
    ['a terminated backend from a raw query (P2010)', { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01' } } } }],
    ['a DriverAdapterError for a terminated backend', { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01' } }],
    ['a connection exception SQLSTATE class 08', { cause: { code: '08006' } }],
    ['a pg client that lost its connection', new Error('Client has encountered a connection error and is not queryable')],
    ['a pool checkout timeout', new Error('timeout exceeded when trying to connect')],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['Prisma P1001', { code: 'P1001', message: "Can't reach database server" }],
  ];
  for (const [name, err] of unavailable) {
    it(`treats ${name} as unavailable`, () => assert.equal(isDatabaseUnavailable(err), true));
  }
  const other: [string, unknown][] = [
    ['a unique violation', { code: 'P2002' }],
    ['a syntax error', { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '42601' } } } }],
    ['a plain bug', new TypeError('x is undefined')],
    ['a non-object', 'boom'],
  ];
  for (const [name, err] of other) {
    it(`does not treat ${name} as unavailable`, () => assert.equal(isDatabaseUnavailable(err), false));
  }
});

describe('unique violations by constraint name', () => {
  const KEY = 'notifications_source_event_id_user_id_key';
  // The shapes each adapter produced for a duplicate (source_event_id, user_id), as logged here.
  const fromPg = {
    code: 'P2002',
    meta: { modelName: 'Notification', driverAdapterError: { name: 'DriverAdapterError', cause: {
      originalCode: '23505', kind: 'UniqueConstraintViolation', constraint: { fields: ['source_event_id', 'user_id'] },
      originalMessage: `duplicate key value violates unique constraint "${KEY}"` } } },
  };
  const fromPglite = { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '23505', message: `duplicate key value violates unique constraint "${KEY}"` } };

  it('recognises the named key from adapter-pg (P2002) and from PGlite (SQLSTATE 23505)', () => {
    assert.equal(violatesUnique(fromPg, KEY), true);
    assert.equal(violatesUnique(fromPglite, KEY), true);
  });

  it("does not take another key of the same table for it", () => {
    const other = { cause: { code: '23505', message: 'duplicate key value violates unique constraint "notifications_user_id_seq_key"' } };
    assert.equal(violatesUnique(other, KEY), false);
    assert.equal(violatesUnique({ code: 'P2002' }, KEY), false, 'P2002 alone names no key');
    assert.equal(violatesUnique('boom', KEY), false);
  });
});
