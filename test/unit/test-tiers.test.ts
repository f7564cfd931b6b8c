import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

// npm run test:unit picks its files by what they import (scripts/test-unit.mjs).
describe('test tiers', () => {
  const unit = execFileSync(process.execPath, ['scripts/test-unit.mjs', '--list'], { encoding: 'utf8' }).trim().split('\n');

  it('puts files that reach no service in the unit tier', () => {
    for (const file of ['test/unit/config.test.ts', 'test/protocol/stomp-parser.test.ts', 'test/client/backoff.test.ts', 'test/unit/test-tiers.test.ts']) {
      assert.ok(unit.includes(file), file);
    }
  });

  it('leaves out files that reach test/support/services.ts or its folder, directly or through helpers', () => {
    // services.ts itself; through system.ts; through cluster.ts and databases.ts; the services folder.
    for (const file of ['test/faults/stalled-client.test.ts', 'test/api/chat.test.ts', 'test/deploy/build-once.test.ts', 'test/deploy/test-services.test.ts']) {
      assert.ok(!unit.includes(file), file);
    }
  });
});
