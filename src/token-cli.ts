// Prints a JWT for a user: npm run token -- <userId> [--admin] [--expires 1h]
// Uses JWT_SECRET when set, else the demo secret in the data folder (created by npm start).
import { issueToken } from './auth/jwt.js';
import { resolveJwtSecret } from './config/demo-secret.js';

const args = process.argv.slice(2);
const userId = args.find((a) => !a.startsWith('--'));
if (!userId) {
  console.error('usage: npm run token -- <userId> [--admin] [--expires 1h]');
  process.exit(2);
}
const expiresIndex = args.indexOf('--expires');
const secret = resolveJwtSecret({ jwtSecret: process.env.JWT_SECRET, dataDir: process.env.DATA_DIR ?? './data' });
console.log(issueToken(secret, userId, {
  admin: args.includes('--admin'),
  expiresIn: expiresIndex >= 0 ? args[expiresIndex + 1] : undefined,
}));
