import { createServer } from 'node:http';
import { ConfigError, loadConfig } from './config/config.js';
import { resolveJwtSecret } from './config/demo-secret.js';
import { StartupError } from './config/startup-error.js';
import { createLogger } from './observability/logger.js';
import { openDatabase } from './app/infrastructure.js';
import { migrate } from './persistence/migrator.js';
import { startSystem } from './app/system.js';
import { startBanner } from './app/banner.js';
import { HELP } from './app/help.js';
import { ensurePortFree, GATEWAY_LISTEN_BACKLOG, listen } from './app/listen.js';

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
  await ensurePortFree(config.port, config.host);
  const jwtSecret = resolveJwtSecret(config);
  const logger = createLogger(config.logLevel, { role: config.role });
  const system = await startSystem({ ...config, jwtSecret }, logger);
  const server = createServer(system.handler);
  system.gateway?.attach(server);
  await listen(server, config.port, config.host, system.gateway ? GATEWAY_LISTEN_BACKLOG : undefined);
  logger.info({ port: config.port, database: system.db.kind, bus: system.bus.kind }, `${config.role} role listening`);
  console.log(startBanner({ role: config.role, host: config.host, port: config.port, demoSecret: config.production ? undefined : jwtSecret }));

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
    // Held long polls would keep the server open for up to their 30 s wait.
    system.sync?.close();
    await system.gateway?.close();
    server.closeIdleConnections();
    await serverClosed;
    await system.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

// Anywhere on the line: `npm start -- --help` runs `main.js all --help`.
if (command === 'help' || process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
  process.stdout.write(HELP);
} else {
  (command === 'migrate' ? runMigrations() : runRole(command)).catch((err: unknown) => {
    console.error(describeFailure(err));
    process.exit(1);
  });
}

/** What the user can fix is said in one line each, without a stack; anything else gets its stack. */
function describeFailure(err: unknown): unknown {
  if (err instanceof ConfigError) {
    return err.problems.length === 1 ? `Configuration error: ${err.message}` : `Configuration errors:\n  ${err.problems.join('\n  ')}`;
  }
  return err instanceof StartupError ? err.message : err;
}
