import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config/config.js';
import { resolveJwtSecret } from './config/demo-secret.js';
import { issueToken } from './auth/jwt.js';
import { createLogger } from './observability/logger.js';
import { openDatabase } from './app/infrastructure.js';
import { migrate } from './persistence/migrator.js';
import { startSystem } from './app/system.js';

// Usage: node dist/main.js [all|api|gateway|notification|migrate]
const command = process.argv[2] ?? 'all';

async function runMigrations(): Promise<void> {
  const config = loadConfig('all');
  const logger = createLogger(config.logLevel, { role: 'migrate' });
  const db = await openDatabase(config, logger);
  try {
    const applied = await migrate(db);
    logger.info({ applied, database: db.kind }, applied.length ? 'migrations applied' : 'database is up to date');
  } finally {
    await db.close();
  }
}

async function runRole(role: string): Promise<void> {
  const config = loadConfig(role);
  const jwtSecret = resolveJwtSecret(config);
  const logger = createLogger(config.logLevel, { role: config.role });
  const system = await startSystem({ ...config, jwtSecret }, logger);
  const server = createServer(system.handler);
  system.gateway?.attach(server);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  logger.info({ port: config.port, database: system.db.kind, bus: system.bus.kind }, `${config.role} role listening`);
  if (!config.production) printDemoHelp(config.port, jwtSecret);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // Ctrl-C during a drain: close the rest now.
      if (signal === 'SIGINT') await system.gateway?.close();
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // SIGTERM is a redeploy: clients move to other gateways, spread out, while this one still
    // listens (its /readyz says not ready; new sockets get 503). Ctrl-C stops at once.
    if (signal === 'SIGTERM') await system.gateway?.drain();
    // The server reports closed only once every socket is gone, the gateway's clients included.
    const serverClosed = new Promise((resolve) => server.close(resolve));
    await system.gateway?.close();
    server.closeIdleConnections();
    await serverClosed;
    await system.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

function printDemoHelp(port: number, secret: string): void {
  const token = issueToken(secret, 'alice');
  console.log(`
  Demo mode: embedded defaults, JWT secret kept in the data folder.
  A token for user "alice" (12 h): ${token}
  More tokens: npm run token -- <userId> [--admin]
  Try: curl -H "Authorization: Bearer ${token.slice(0, 12)}..." http://localhost:${port}/p2p/notifications
`);
}

(command === 'migrate' ? runMigrations() : runRole(command)).catch((err: unknown) => {
  // A configuration problem is one line naming the variable; anything else gets its stack.
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
