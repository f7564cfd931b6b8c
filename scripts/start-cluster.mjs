#!/usr/bin/env node
// The docker-compose topology without Docker: a migration, then the api, two gateways and the
// notification worker as separate processes on this machine's PostgreSQL and RabbitMQ.
// Usage: npm run start:cluster   (Ctrl-C stops every process)
// Env: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/p2p, created if missing),
//      AMQP_URL (default amqp://guest:guest@127.0.0.1:5672), JWT_SECRET (default: a dev value,
//      printed with ready-made tokens once the api is up: the cluster has no dev login),
//      TRANSCRIPT_SIGNING_KEY (default: the key `npm start` keeps in DATA_DIR, made if missing),
//      API_PORT 8080, GATEWAY_PORTS 8081,8083, NOTIFICATION_PORT 8082,
//      PUBLIC_GATEWAY_URLS (default: http://localhost:<each gateway port>, where the demo page at
//      http://localhost:8080 connects), METRICS_TOKEN (default: a dev value, printed).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { loadOrCreateDemoTranscriptKey } from '../dist/config/transcript-keys.js';

const gatewayPorts = (process.env.GATEWAY_PORTS ?? '8081,8083').split(',');
const env = {
  ...process.env,
  NODE_ENV: 'production',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/p2p',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  JWT_SECRET: process.env.JWT_SECRET ?? 'cluster-dev-secret-change-me-0123456789',
  // Kept in DATA_DIR as `npm start` keeps its own, so transcripts stay verifiable across restarts.
  TRANSCRIPT_SIGNING_KEY: process.env.TRANSCRIPT_SIGNING_KEY ?? loadOrCreateDemoTranscriptKey(process.env.DATA_DIR ?? './data'),
  CORS_ORIGINS: process.env.CORS_ORIGINS ?? '*',
  PUBLIC_GATEWAY_URLS: process.env.PUBLIC_GATEWAY_URLS ?? gatewayPorts.map((port) => `http://localhost:${port}`).join(','),
  METRICS_TOKEN: process.env.METRICS_TOKEN ?? 'cluster-dev-metrics-token',
};
const roles = [
  ['api', process.env.API_PORT ?? '8080'],
  ...gatewayPorts.map((port) => ['gateway', port]),
  ['notification', process.env.NOTIFICATION_PORT ?? '8082'],
];

async function ensureDatabase(url) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

function run(label, args, extraEnv = {}) {
  const child = spawn(process.execPath, ['dist/main.js', ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line) process.stdout.write(`[${label}] ${line}\n`);
    });
  }
  return child;
}

await ensureDatabase(env.DATABASE_URL);
const migrate = run('migrate', ['migrate']);
const [code] = await once(migrate, 'exit');
if (code !== 0) process.exit(code ?? 1);

// Gateways hand SENDs to /app/... to the api (docs/gateway.md).
const apiUrl = `http://127.0.0.1:${roles[0][1]}`;
const children = roles.map(([role, port]) => run(`${role}:${port}`, [role], { PORT: port, ...(role === 'gateway' ? { API_URL: apiUrl } : {}) }));
console.log(`cluster up: api :${roles[0][1]}, gateways :${gatewayPorts.join(', :')}, notification :${roles.at(-1)[1]}`);
console.log(
  `demo page: http://localhost:${roles[0][1]}/ (its socket goes to ${env.PUBLIC_GATEWAY_URLS}); /metrics: Authorization: Bearer ${env.METRICS_TOKEN}`,
);

/**
 * The cluster runs in production mode, where the demo page's dev login is refused: once the api
 * answers, say how to log in instead (ready-made tokens, and the command for more).
 */
async function printLogin(apiPort) {
  for (let i = 0; i < 120 && !stopping; i++) {
    const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (stopping) return;
  // Built by prestart:cluster, like the roles this script runs.
  const { issueToken } = await import('../dist/auth/jwt.js');
  const secretShown = process.env.JWT_SECRET ? '"$JWT_SECRET"' : `'${env.JWT_SECRET}'`;
  // The roles refuse a token without the iss/aud they are configured to check.
  const claims = { issuer: env.JWT_ISSUER?.trim() || undefined, audience: env.JWT_AUDIENCE?.trim() || undefined };
  console.log(`
  ==> Demo: open http://localhost:${apiPort}/ . This is production mode: there is no dev login, so
  paste a token under "No dev login on this server? Paste a token instead" (12 h each):
    alice: ${issueToken(env.JWT_SECRET, 'alice', claims)}
    bob:   ${issueToken(env.JWT_SECRET, 'bob', claims)}
  More tokens: JWT_SECRET=${secretShown} npm run token -- <userId> [--admin]
`);
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// A role that dies is reported and the others keep serving (as with one failed container).
children.forEach((child, i) => child.on('exit', (code, signal) => !stopping && console.error(`${roles[i].join(':')} exited (${signal ?? code})`)));
void printLogin(roles[0][1]);
await Promise.all(children.map((child) => once(child, 'exit')));
