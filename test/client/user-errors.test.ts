import assert from 'node:assert/strict';
import { userErrorOf } from '../../client/src/socket-sends.js';
import { ERROR_STATUS } from '../../src/contract/error-codes.js';

describe('client: a user error as the ApiError of its REST twin', () => {
  it('gives every contract error code the status the REST route answers it with', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      const error = userErrorOf(JSON.stringify({ error: code, message: 'm' }));
      assert.deepEqual([error.status, error.code, error.message], [status, code, 'm'], code);
    }
  });

  it('treats an unknown code, or a body that is not the contract, as a refusal (400), not as retryable', () => {
    assert.equal(userErrorOf(JSON.stringify({ error: 'toString', message: 'm' })).status, 400);
    assert.equal(userErrorOf(JSON.stringify({ error: 'no_such_code', message: 'm' })).status, 400);
    const garbled = userErrorOf('not json');
    assert.deepEqual([garbled.status, garbled.code], [400, 'bad_request']);
  });
});
