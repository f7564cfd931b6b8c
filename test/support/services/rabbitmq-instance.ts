import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { markedProcesses, MARKER_VARIABLE } from './marked-processes.js';
import { asServiceUser, makeServiceDir } from './service-user.js';

const run = promisify(execFile);

/** Everything needed to start, stop or kill one private RabbitMQ node, from any process. */
export interface RabbitMqNode {
  /** The run's folder (the marker every process of the run carries). */
  runDir: string;
  dir: string;
  name: string;
  amqpPort: number;
  distPort: number;
  epmdPort: number;
  /** Set when the node runs the Web-STOMP plugin (the bench's comparison). */
  webStompPort?: number;
  /** Start with the open-file limit raised to the hard limit (many Web-STOMP sockets). */
  raiseFileLimit: boolean;
}

/** Debian keeps the real scripts here (the ones in /usr/sbin switch users through `su`). */
function rabbitCommand(name: string): string {
  const debian = `/usr/lib/rabbitmq/bin/${name}`;
  return existsSync(debian) ? debian : name;
}

function nodeEnv(node: RabbitMqNode): Record<string, string> {
  return {
    [MARKER_VARIABLE]: node.runDir,
    // Its own cookie, and none of the machine's rabbitmq-env.conf (node name, ports) or config.
    HOME: node.dir,
    RABBITMQ_CONF_ENV_FILE: join(node.dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(node.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(node.dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(node.dir, 'enabled_plugins'),
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(node.amqpPort),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    // Its own epmd: the machine's keeps only the machine's nodes, and ours goes with the run.
    ERL_EPMD_PORT: String(node.epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(node.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(node.dir, 'log'),
    RABBITMQ_PID_FILE: join(node.dir, 'pid'),
  };
}

/** Writes the node's files: no plugins but Web-STOMP when asked, listeners on its own ports only. */
export function prepareRabbitMqNode(node: RabbitMqNode): void {
  makeServiceDir(node.dir, 'rabbitmq');
  for (const sub of ['mnesia', 'log']) makeServiceDir(join(node.dir, sub), 'rabbitmq');
  const config =
    node.webStompPort === undefined ? [] : [`web_stomp.tcp.port = ${node.webStompPort}`, 'web_stomp.tcp.ip = 127.0.0.1', 'stomp.listeners.tcp = none'];
  writeFileSync(join(node.dir, 'rabbitmq.conf'), config.map((line) => `${line}\n`).join(''));
  writeFileSync(join(node.dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(node.dir, 'enabled_plugins'), node.webStompPort === undefined ? '[].\n' : '[rabbitmq_web_stomp].\n');
}

export function amqpUrl(node: RabbitMqNode): string {
  return `amqp://guest:guest@127.0.0.1:${node.amqpPort}`;
}

/** Starts the node (detached, so it outlives a restart from another process) and waits until it takes AMQP connections. */
export async function startRabbitMqNode(node: RabbitMqNode): Promise<void> {
  const server = rabbitCommand('rabbitmq-server');
  const [file, args] = node.raiseFileLimit
    ? asServiceUser('rabbitmq', nodeEnv(node), 'sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', server, '-detached'])
    : asServiceUser('rabbitmq', nodeEnv(node), server, ['-detached']);
  const child = spawn(file, args, { cwd: node.dir, detached: true, stdio: 'ignore' });
  child.unref();
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const connection = await amqplib.connect(amqpUrl(node));
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ node ${node.name} did not start: ${String(err)}\n${logTail(node)}`);
      await sleep(250);
    }
  }
}

function logTail(node: RabbitMqNode): string {
  try {
    return readFileSync(join(node.dir, 'log', `${node.name}.log`), 'utf8').slice(-3_000);
  } catch {
    return '(no log)';
  }
}

/** rabbitmqctl against this node only. */
export async function rabbitmqctl(node: RabbitMqNode, ...args: string[]): Promise<string> {
  const [file, argv] = asServiceUser('rabbitmq', nodeEnv(node), rabbitCommand('rabbitmqctl'), ['-n', node.name, ...args]);
  return (await run(file, argv, { cwd: node.dir, timeout: 120_000 })).stdout.trim();
}

/** The pid of the node's Erlang VM (not of a rabbitmqctl, which is a beam.smp too). */
export function brokerPid(node: RabbitMqNode): number | undefined {
  return markedProcesses(node.runDir).find(({ pid, comm }) => {
    if (comm !== 'beam.smp') return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('\0rabbit\0boot\0');
    } catch {
      return false;
    }
  })?.pid;
}

/** A broker crash: SIGKILL of the node's VM, waiting until it is gone. */
export async function killRabbitMqNode(node: RabbitMqNode): Promise<void> {
  const pid = brokerPid(node);
  if (pid === undefined) throw new Error(`RabbitMQ node ${node.name} is not running`);
  process.kill(pid, 'SIGKILL');
  while (brokerPid(node) === pid) await sleep(50);
}
