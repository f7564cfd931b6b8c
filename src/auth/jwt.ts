import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Actor } from './actor.js';
import { isUserId, USER_ID_RULE } from '../contract/ids.js';
import type { UserRole } from '../contract/trade-status.js';

const ADMIN: UserRole = 'ADMIN';

export class AuthError extends Error {}

/** What a token must satisfy beyond its HS256 signature (config.ts reads them, JWT_*). */
export interface TokenPolicy {
  /** Production: a token without `exp` would be good forever, so it is refused. */
  requireExpiry: boolean;
  /** A token whose `exp` is further away than this is refused (when `exp` is present). */
  maxTtlSeconds: number;
  issuer?: string;
  audience?: string;
}

export interface TokenRules extends TokenPolicy {
  secret: string;
}

/** The caller, and when their token stops being good (undefined: a demo token without `exp`). */
export interface VerifiedToken {
  actor: Actor;
  expiresAtMs: number | undefined;
  /**
   * The value as verified, `Bearer <token>`: what to forward. The value as sent may carry
   * whitespace trim() drops but an HTTP header cannot hold (U+3000, U+FEFF).
   */
  authorization: string;
}

/**
 * Verifies an `Authorization: Bearer <JWT>` value (HS256 only, so a token cannot pick its own
 * algorithm). The one verifier: REST, the lean sync path and the gateway's CONNECT all call it,
 * so a token is judged the same way everywhere.
 */
export function verifyToken(authorization: string | undefined, rules: TokenRules): VerifiedToken {
  if (!authorization) throw new AuthError('missing Authorization header');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw new AuthError('Authorization must be "Bearer <token>"');
  const token = match[1]!;
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(token, secretKey(rules.secret), {
      algorithms: ['HS256'],
      ...(rules.issuer ? { issuer: rules.issuer } : {}),
      ...(rules.audience ? { audience: rules.audience } : {}),
    });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new AuthError('token expired');
    // jsonwebtoken names the failed claim ("jwt issuer invalid. expected: ..."); keep it short.
    if (err instanceof jwt.JsonWebTokenError && /issuer|audience/.test(err.message))
      throw new AuthError(`invalid token: wrong ${/issuer/.test(err.message) ? 'issuer' : 'audience'}`);
    throw new AuthError('invalid token');
  }
  if (typeof claims === 'string' || typeof claims.sub !== 'string' || !isUserId(claims.sub)) {
    throw new AuthError(`token subject ${USER_ID_RULE}`);
  }
  const { exp } = claims;
  if (exp === undefined && rules.requireExpiry) throw new AuthError('invalid token: it has no expiry (exp)');
  if (exp !== undefined && exp - Date.now() / 1000 > rules.maxTtlSeconds) {
    throw new AuthError(`invalid token: it expires more than ${rules.maxTtlSeconds} s from now`);
  }
  const roles: unknown = claims.roles;
  return {
    actor: { userId: claims.sub, isAdmin: Array.isArray(roles) && roles.includes(ADMIN) },
    expiresAtMs: exp === undefined ? undefined : exp * 1000,
    authorization: `Bearer ${token}`,
  };
}

/** verifyToken for callers that only need to know who is asking (REST). */
export function authenticate(authorization: string | undefined, rules: TokenRules): Actor {
  return verifyToken(authorization, rules).actor;
}

// Given a string, jsonwebtoken first tries it as a public key (verify) or a private key (sign)
// and catches the failure, on every call (6% of the api's CPU per request in a profile; a tenth
// of the failover load generator's CPU, signing 5,000 tokens); a KeyObject skips that. Given a
// string, it also refused an empty one, which a KeyObject does not: refused here.
let cachedKey: { secret: string; key: KeyObject } | undefined;
function secretKey(secret: string): KeyObject {
  if (secret === '') throw new Error('an empty secret: anyone could sign tokens with it');
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return cachedKey.key;
}

export function issueToken(secret: string, userId: string, options: { admin?: boolean; expiresIn?: string; issuer?: string; audience?: string } = {}): string {
  return jwt.sign({ sub: userId, roles: options.admin ? [ADMIN] : [] }, secretKey(secret), {
    algorithm: 'HS256',
    expiresIn: (options.expiresIn ?? '12h') as jwt.SignOptions['expiresIn'],
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  });
}
