import { spawn, type ChildProcess } from 'node:child_process';
import { openPostgresDatabase } from '../../src/persistence/postgres-database.js';
import { migrate } from '../../src/persistence/migrator.js';
import { issueToken } from '../../src/auth/jwt.js';
import { createScratchPostgres } from './databases.js';
import { deleteAmqpNames, uniqueAmqpNames } from './amqp.js';
import { eventually } from './eventually.js';
import { AMQP_URL, JWT_SECRET, METRICS_TOKEN, TRANSCRIPT_SIGNING_KEY } from './services.js';
import { freePort } from './ports.js';

export interface RoleProcess {
  role: 'api' | 'gateway' | 'notification';
  url: string;
  child: ChildProcess;
  /** Everything it printed, for a failing test's message. */
  output(): string;
}

export interface Cluster {
  api: RoleProcess;
  gateways: RoleProcess[];
  notification: RoleProcess;
  databaseUrl: string;
  amqp: { exchange: string; notificationQueue: string };
  auth(userId: string): string;
  token(userId: string): string;
  close(): Promise<void>;
}

export interface RoleBackends {
  databaseUrl: string;
  amqp: { exchange: string; notificationQueue: string };
  /** This process's environment plus what a production role needs to use them. */
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

/**
 * A scratch PostgreSQL database (migrated unless the processes under test are to do it) and a
 * unique exchange and queue, for role processes.
 */
export async function createRoleBackends(options: { migrated: boolean } = { migrated: true }): Promise<RoleBackends> {
  const scratch = await createScratchPostgres();
  if (options.migrated) {
    const db = await openPostgresDatabase({ url: scratch.url });
    await migrate(db);
    await db.close();
  }
  const amqp = uniqueAmqpNames();
  return {
    databaseUrl: scratch.url,
    amqp,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: scratch.url,
      AMQP_URL,
      AMQP_EXCHANGE: amqp.exchange,
      AMQP_NOTIFICATION_QUEUE: amqp.notificationQueue,
      JWT_SECRET,
      TRANSCRIPT_SIGNING_KEY,
      LOG_LEVEL: 'warn',
    },
    async dispose() {
      await scratch.drop();
      await deleteAmqpNames(amqp).catch(() => {});
    },
  };
}

/**
 * The production topology as real processes (what `npm run start:cluster` runs): the api,
 * `gateways` gateway processes and the notification worker, on a scratch PostgreSQL database
 * and a unique exchange of the machine's RabbitMQ. Fault tests kill and starve these.
 */
export async function startCluster(options: { gateways?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const backends = await createRoleBackends();
  const env = {
    ...backends.env,
    CHAT_RATE_LIMIT_PER_MINUTE: '100000',
    READ_RATE_LIMIT_PER_MINUTE: '100000',
    TRADE_OPEN_RATE_LIMIT_PER_MINUTE: '100000',
    TRADE_OPEN_PAIR_RATE_LIMIT_PER_MINUTE: '100000',
    METRICS_TOKEN,
    GATEWAY_MAX_CONNECTIONS_PER_USER: '1000',
    ...options.env,
  };

  const started: RoleProcess[] = [];
  const start = async (role: RoleProcess['role'], port: number, extraEnv: Record<string, string> = {}): Promise<RoleProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
      env: { ...env, ...extraEnv, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const proc = { role, url: `http://127.0.0.1:${port}`, child, output: () => output };
    started.push(proc);
    return proc;
  };
  const close = async () => {
    await Promise.all(
      started.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await backends.dispose();
  };

  try {
    const apiPort = await freePort();
    // Gateways hand SENDs to /app/... to the api.
    const gatewayEnv = { API_URL: `http://127.0.0.1:${apiPort}` };
    const [api, notification, ...gateways] = await Promise.all([
      start('api', apiPort),
      freePort().then((port) => start('notification', port)),
      ...Array.from({ length: options.gateways ?? 2 }, () => freePort().then((port) => start('gateway', port, gatewayEnv))),
    ]);
    await Promise.all(
      started.map((p) =>
        eventually(
          async () => {
            if (p.child.exitCode !== null) throw new Error(`${p.role} exited: ${p.output()}`);
            const res = await fetch(`${p.url}/readyz`);
            if (res.status !== 200) throw new Error(`${p.role} not ready: ${res.status}`);
          },
          60_000,
          200,
        ),
      ),
    );
    const token = (userId: string) => issueToken(JWT_SECRET, userId);
    return {
      api: api!,
      notification: notification!,
      gateways,
      databaseUrl: backends.databaseUrl,
      amqp: backends.amqp,
      token,
      auth: (userId) => `Bearer ${token(userId)}`,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
