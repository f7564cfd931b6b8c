import assert from 'node:assert/strict';
import { databaseOutage, violatesUnique } from '../../src/persistence/driver-errors.js';
import { BUSY, NEITHER, UNREACHABLE } from '../support/database-errors.js';

describe('database outage classification (503 rather than 500)', () => {
  for (const [name, err] of BUSY) it(`treats ${name} as busy`, () => assert.equal(databaseOutage(err), 'busy'));
  for (const [name, err] of UNREACHABLE) it(`treats ${name} as unreachable`, () => assert.equal(databaseOutage(err), 'unreachable'));
  for (const [name, err] of NEITHER) it(`does not treat ${name} as an outage`, () => assert.equal(databaseOutage(err), undefined));
});

describe('unique violations by constraint name', () => {
  const KEY = 'notifications_source_event_id_user_id_key';
  // The shapes each adapter produced for a duplicate (source_event_id, user_id), as logged here.
  const fromPg = {
    code: 'P2002',
    meta: {
      modelName: 'Notification',
      driverAdapterError: {
        name: 'DriverAdapterError',
        cause: {
          originalCode: '23505',
          kind: 'UniqueConstraintViolation',
          constraint: { fields: ['source_event_id', 'user_id'] },
          originalMessage: `duplicate key value violates unique constraint "${KEY}"`,
        },
      },
    },
  };
  const fromPglite = {
    name: 'DriverAdapterError',
    cause: { kind: 'postgres', code: '23505', message: `duplicate key value violates unique constraint "${KEY}"` },
  };

  it('recognises the named key from adapter-pg (P2002) and from PGlite (SQLSTATE 23505)', () => {
    assert.equal(violatesUnique(fromPg, KEY), true);
    assert.equal(violatesUnique(fromPglite, KEY), true);
  });

  it('does not take another key of the same table for it', () => {
    const other = { cause: { code: '23505', message: 'duplicate key value violates unique constraint "notifications_user_id_seq_key"' } };
    assert.equal(violatesUnique(other, KEY), false);
    assert.equal(violatesUnique({ code: 'P2002' }, KEY), false, 'P2002 alone names no key');
    assert.equal(violatesUnique('boom', KEY), false);
  });
});
