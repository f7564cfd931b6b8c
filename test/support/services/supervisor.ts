// Run by throwaway.ts as its own process (in its own session, so a Ctrl-C in the terminal
// reaches the tests, not this): starts the services a run asks for, prints them as one JSON
// line, and removes them all once its stdin closes, which happens however the run ends (done,
// failed, interrupted, or killed outright).
import { mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../ports.js';
import { killMarkedProcesses, MARKER_VARIABLE } from './marked-processes.js';
import { startPostgres } from './postgres-instance.js';
import { amqpUrl, prepareRabbitMqNode, startRabbitMqNode, type RabbitMqNode } from './rabbitmq-instance.js';
import type { ServicesRequest, StartedServices } from './throwaway.js';

const request = JSON.parse(process.argv[2] ?? '{}') as ServicesRequest;
const runDir = mkdtempSync(join(tmpdir(), 'p2p-test-services-'));
// The services' own users must reach their folders inside it.
chmodSync(runDir, 0o755);

let cleaning: Promise<void> | undefined;
const cleanUp = () =>
  (cleaning ??= (async () => {
    await stopPostgresGracefully();
    await killMarkedProcesses(runDir);
    rmSync(runDir, { recursive: true, force: true });
  })());

/** An immediate shutdown (SIGQUIT) lets the postmaster release its shared memory; a SIGKILL would not. */
async function stopPostgresGracefully(): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(runDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(30);
  }
}

const exit = (code: number) => void cleanUp().finally(() => process.exit(code));
process.stdin.on('close', () => exit(0));
process.stdin.on('end', () => exit(0));
process.stdin.resume();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => exit(0));

try {
  const [pgPort, amqpPort, distPort, epmdPort, webStompPort] = await freePorts(5);
  const env = { [MARKER_VARIABLE]: runDir };
  const rabbitmq: RabbitMqNode | undefined = request.rabbitmq
    ? {
        runDir,
        dir: join(runDir, 'rabbitmq'),
        name: `p2p-test-${process.pid}@localhost`,
        amqpPort: amqpPort!,
        distPort: distPort!,
        epmdPort: epmdPort!,
        webStompPort: request.webStomp ? webStompPort : undefined,
        raiseFileLimit: Boolean(request.webStomp),
      }
    : undefined;
  if (rabbitmq) prepareRabbitMqNode(rabbitmq);
  const [pgAdminUrl] = await Promise.all([
    request.postgres ? startPostgres(join(runDir, 'postgres'), pgPort!, env) : undefined,
    rabbitmq ? startRabbitMqNode(rabbitmq) : undefined,
  ]);
  const started: StartedServices = { pgAdminUrl, amqpUrl: rabbitmq && amqpUrl(rabbitmq), rabbitmq };
  process.stdout.write(`${JSON.stringify(started)}\n`);
} catch (err) {
  process.stderr.write(`could not start the test services: ${err instanceof Error ? err.message : String(err)}\n`);
  exit(1);
}
