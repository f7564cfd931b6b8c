import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthError, issueToken, verifyToken, type TokenRules } from '../../src/auth/jwt.js';
import { loadConfig } from '../../src/config/config.js';

const SECRET = 'token-rules-test-secret-0123456789abcdef';
const PROD = {
  DATABASE_URL: 'postgresql://u:p@db:5432/p2p',
  AMQP_URL: 'amqp://guest:guest@mq:5672',
  JWT_SECRET: SECRET,
  TRANSCRIPT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

/** The rules a role verifies with, from its environment, as system.ts builds them. */
function rules(role: string, env: NodeJS.ProcessEnv): TokenRules {
  return { secret: SECRET, ...loadConfig(role, env).jwt };
}

const bearer = (token: string) => `Bearer ${token}`;
const refusal = (authorization: string, r: TokenRules) => {
  try {
    verifyToken(authorization, r);
  } catch (err) {
    assert.ok(err instanceof AuthError);
    return err.message;
  }
  assert.fail('the token was accepted');
};

describe('token rules (src/auth/jwt.ts)', () => {
  it('neither signs nor verifies with an empty secret, with which anyone could sign', () => {
    assert.throws(() => issueToken('', 'alice'), /empty secret/);
    const forged = bearer(jwt.sign({ sub: 'alice' }, createSecretKey(Buffer.alloc(0)), { algorithm: 'HS256' }));
    assert.equal(refusal(forged, { ...rules('all', {}), secret: '' }), 'invalid token');
  });

  const noExp = bearer(jwt.sign({ sub: 'alice' }, SECRET));

  it('refuses a token without exp in production; the demo still takes it', () => {
    assert.match(refusal(noExp, rules('api', PROD)), /no expiry/);
    assert.match(refusal(noExp, rules('all', { NODE_ENV: 'production', ...PROD })), /no expiry/);
    assert.deepEqual(verifyToken(noExp, rules('all', {})), { actor: { userId: 'alice', isAdmin: false }, expiresAtMs: undefined, authorization: noExp });
  });

  it('hands back the value as verified, `Bearer <token>`, whatever whitespace and case it came with', () => {
    const token = issueToken(SECRET, 'alice');
    for (const sent of [`Bearer ${token}\u3000`, `\uFEFFBearer ${token}\uFEFF`, ` bearer\t ${token} `]) {
      assert.equal(verifyToken(sent, rules('api', PROD)).authorization, `Bearer ${token}`);
    }
  });

  it('refuses a token whose exp is further away than JWT_MAX_TTL (default 24 h)', () => {
    assert.match(refusal(bearer(issueToken(SECRET, 'alice', { expiresIn: '25h' })), rules('api', PROD)), /expires more than 86400 s/);
    const twelveHours = verifyToken(bearer(issueToken(SECRET, 'alice')), rules('api', PROD));
    assert.ok(Math.abs(twelveHours.expiresAtMs! - (Date.now() + 12 * 3600_000)) < 5_000);
    assert.match(refusal(bearer(issueToken(SECRET, 'alice', { expiresIn: '2h' })), rules('api', { ...PROD, JWT_MAX_TTL: '1h' })), /expires more than 3600 s/);
    assert.doesNotThrow(() => verifyToken(bearer(issueToken(SECRET, 'alice', { expiresIn: '50m' })), rules('api', { ...PROD, JWT_MAX_TTL: '3600' })));
  });

  it('checks JWT_ISSUER and JWT_AUDIENCE when set', () => {
    const strict = rules('api', { ...PROD, JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'p2p' });
    assert.match(refusal(bearer(issueToken(SECRET, 'alice')), strict), /wrong (issuer|audience)/);
    assert.match(refusal(bearer(issueToken(SECRET, 'alice', { issuer: 'https://id.example' })), strict), /wrong audience/);
    assert.match(refusal(bearer(issueToken(SECRET, 'alice', { issuer: 'https://evil.example', audience: 'p2p' })), strict), /wrong issuer/);
    const good = verifyToken(bearer(issueToken(SECRET, 'alice', { issuer: 'https://id.example', audience: 'p2p' })), strict);
    assert.equal(good.actor.userId, 'alice');
  });

  it('refuses a JWT_MAX_TTL that is not a duration', () => {
    assert.throws(() => loadConfig('api', { ...PROD, JWT_MAX_TTL: 'forever' }), /JWT_MAX_TTL is invalid/);
    assert.throws(() => loadConfig('api', { ...PROD, JWT_MAX_TTL: '0' }), /JWT_MAX_TTL is invalid/);
  });
});
