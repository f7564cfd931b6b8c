import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Demo mode only: a JWT secret generated once and kept in the data folder, so tokens survive
 * restarts and `npm run token` can sign with the same secret. Production must set JWT_SECRET.
 */
export function loadOrCreateDemoSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

/** JWT_SECRET when set, else (demo mode) the generated one. */
export function resolveJwtSecret(config: { jwtSecret?: string; dataDir: string }): string {
  return config.jwtSecret ?? loadOrCreateDemoSecret(config.dataDir);
}
