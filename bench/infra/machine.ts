import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import pg from 'pg';
import { PG_ADMIN_URL, REPO_ROOT } from '../settings.js';
import { rabbitMqVersion } from './web-stomp.js';

export interface Machine {
  cpus: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  rabbitmq: string;
  postgresql: string;
  libraries: Record<string, string>;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
}

// Read from disk: some packages' `exports` do not expose their package.json.
const version = (name: string) => (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

export async function describeMachine(): Promise<Machine> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  const postgresql = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  await client.end();
  return {
    cpus: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    rabbitmq: await rabbitMqVersion(),
    postgresql,
    libraries: Object.fromEntries(['ws', 'sockjs', 'socket.io', 'socket.io-client', 'amqplib'].map((name) => [name, version(name)])),
    loadAverageAtStart: os.loadavg()[0]!,
  };
}
