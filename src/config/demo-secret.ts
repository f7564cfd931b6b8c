import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, MIN_JWT_SECRET_CHARS } from './config.js';

/**
 * Demo mode only: a JWT secret generated once and kept in the data folder, so tokens survive
 * restarts and `npm run token` can sign with the same secret. Production must set JWT_SECRET.
 */
export function loadOrCreateDemoSecret(dataDir: string): string {
  const existing = readDemoSecret(dataDir);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(demoSecretFile(dataDir), secret, { mode: 0o600, flag: 'wx' });
  return secret;
}

export const demoSecretFile = (dataDir: string) => join(dataDir, 'jwt-secret');

/**
 * The secret `npm start` generated in this data folder, if it ever ran there. A file cut short
 * (or emptied) is refused: with an empty key anyone can sign tokens.
 */
export function readDemoSecret(dataDir: string): string | undefined {
  let secret: string;
  try {
    secret = readFileSync(demoSecretFile(dataDir), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (secret.length < MIN_JWT_SECRET_CHARS) {
    throw new ConfigError(
      `${demoSecretFile(dataDir)} holds fewer than ${MIN_JWT_SECRET_CHARS} characters: delete it (npm start makes a new one) or set JWT_SECRET`,
    );
  }
  return secret;
}

/** JWT_SECRET when set, else (demo mode) the generated one. */
export function resolveJwtSecret(config: { jwtSecret?: string; dataDir: string }): string {
  return config.jwtSecret ?? loadOrCreateDemoSecret(config.dataDir);
}
