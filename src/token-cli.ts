// Prints a JWT for a user: npm run token -- <userId> [--admin] [--expires 1h]   (default 12 h)
// Signs with JWT_SECRET when set, else with the demo secret `npm start` keeps in DATA_DIR, both
// read by the same configuration code as `npm start`. It never creates a secret: tokens signed
// with a new one would be refused by the server that runs on the old one.
import { issueToken } from './auth/jwt.js';
import { isUserId, USER_ID_RULE } from './contract/ids.js';
import { ConfigError, loadConfig } from './config/config.js';
import { demoSecretFile, readDemoSecret } from './config/demo-secret.js';

const USAGE = 'usage: npm run token -- <userId> [--admin] [--expires 1h]';

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

const args = process.argv.slice(2);
const unknown = args.find((a) => a.startsWith('-') && a !== '--admin' && a !== '--expires');
if (unknown) fail(unknown === '--help' || unknown === '-h' ? USAGE : `unknown option ${unknown}\n${USAGE}`, 2);
const expiresIndex = args.indexOf('--expires');
const expiresIn = expiresIndex >= 0 ? args[expiresIndex + 1] : undefined;
const [userId, ...extra] = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--expires');
if (!userId || extra.length > 0 || (expiresIndex >= 0 && !expiresIn)) fail(USAGE, 2);
if (!isUserId(userId)) fail(`invalid user id "${userId}": it ${USER_ID_RULE}, as the API requires`, 2);

let config: ReturnType<typeof loadConfig>;
let secret: string | undefined;
try {
  // Production-only requirements (DATABASE_URL, AMQP_URL) say nothing about signing a token.
  config = loadConfig('all', { ...process.env, NODE_ENV: undefined });
  secret = config.jwtSecret ?? readDemoSecret(config.dataDir);
} catch (err) {
  if (err instanceof ConfigError) fail(`Configuration error: ${err.problems.join('; ')}`);
  throw err;
}
if (secret === undefined) {
  fail(`no demo secret in ${demoSecretFile(config.dataDir)}: run \`npm start\` once with this DATA_DIR, or set JWT_SECRET`);
}
try {
  // The server refuses a token without the iss/aud it is configured to check.
  const { issuer, audience } = config.jwt;
  console.log(issueToken(secret, userId, { admin: args.includes('--admin'), expiresIn, issuer, audience }));
} catch (err) {
  fail(`cannot issue the token: ${(err as Error).message} (--expires takes e.g. 30m, 12h, 7d)`, 2);
}
