import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Actor } from './actor.js';
import { isUserId, USER_ID_RULE } from '../contract/ids.js';
import type { UserRole } from '../contract/trade-status.js';

const ADMIN: UserRole = 'ADMIN';

export class AuthError extends Error {}

/**
 * Verifies an `Authorization: Bearer <JWT>` value (HS256 only, so a token cannot pick its own
 * algorithm). Shared by the REST API and the STOMP CONNECT handler.
 */
export function authenticate(authorization: string | undefined, secret: string): Actor {
  if (!authorization) throw new AuthError('missing Authorization header');
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw new AuthError('Authorization must be "Bearer <token>"');
  let claims: jwt.JwtPayload | string;
  try {
    claims = jwt.verify(match[1]!, secretKey(secret), { algorithms: ['HS256'] });
  } catch (err) {
    throw new AuthError(err instanceof jwt.TokenExpiredError ? 'token expired' : 'invalid token');
  }
  if (typeof claims === 'string' || typeof claims.sub !== 'string' || !isUserId(claims.sub)) {
    throw new AuthError(`token subject ${USER_ID_RULE}`);
  }
  const roles: unknown = claims.roles;
  return { userId: claims.sub, isAdmin: Array.isArray(roles) && roles.includes(ADMIN) };
}

// Given a string, jsonwebtoken first tries it as a public key and catches the failure, on every
// call (6% of the api's CPU per request in a profile); a KeyObject skips that.
let cachedKey: { secret: string; key: KeyObject } | undefined;
function secretKey(secret: string): KeyObject {
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return cachedKey.key;
}

export function issueToken(secret: string, userId: string, options: { admin?: boolean; expiresIn?: string } = {}): string {
  return jwt.sign({ sub: userId, roles: options.admin ? [ADMIN] : [] }, secret, {
    algorithm: 'HS256',
    expiresIn: (options.expiresIn ?? '12h') as jwt.SignOptions['expiresIn'],
  });
}
