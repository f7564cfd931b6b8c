import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { openFileLimit } from './proc.js';

const exec = promisify(execFile);
export const WEB_STOMP_PORT = 15674;
// RabbitMQ's own files, its AMQP clients (test suites share this broker) and some slack.
const SPARE_FILES = 2_000;

async function rabbitmqctl(...args: string[]): Promise<string> {
  return (await exec('rabbitmqctl', args, { timeout: 120_000 })).stdout.trim();
}

/** The pid of the broker's Erlang VM, whose CPU and memory are Web-STOMP's. */
async function brokerPid(): Promise<number> {
  return Number(JSON.parse(await rabbitmqctl('eval', 'os:getpid().')));
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Waits for the broker's node to come up and boot (await_startup fails while the node is still starting). */
async function awaitStartup(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rabbitmqctl('await_startup');
      return;
    } catch (err) {
      if (attempt === 60) throw err;
      await sleep(1_000);
    }
  }
}

/**
 * Restarts the broker with its open-file limit raised to the hard limit. Started as root,
 * rabbitmq-server switches to the rabbitmq user through `su`, whose pam_limits resets the soft
 * limit to 1024, so the limit is raised inside that user's shell. Other suites use this broker,
 * so this runs only when the limit is too low, and whatever happens the broker is left running.
 */
async function restartWithFileLimit(): Promise<void> {
  try {
    await rabbitmqctl('stop');
    await exec('su', ['rabbitmq', '-s', '/bin/sh', '-c', 'ulimit -n "$(ulimit -Hn)" && cd /var/lib/rabbitmq && exec rabbitmq-server -detached'], { timeout: 60_000 });
    await awaitStartup();
  } catch (err) {
    if (!(await rabbitmqctl('-q', 'status').then(() => true, () => false))) {
      await exec('rabbitmq-server', ['-detached']).catch(() => {});
      await awaitStartup();
    }
    throw err;
  }
}

export interface WebStompBroker {
  pid: number;
  url: string;
  /** Garbage-collects every Erlang process, the nearest thing to a full GC the VM has. */
  gc(): Promise<undefined>;
}

/** Enables the Web-STOMP plugin and makes sure the broker can hold `connections` more sockets. */
export async function prepareWebStomp(connections: number, log: (line: string) => void): Promise<WebStompBroker> {
  await exec('rabbitmq-plugins', ['enable', 'rabbitmq_web_stomp'], { timeout: 120_000 });
  const needed = connections + SPARE_FILES;
  const limit = openFileLimit(await brokerPid());
  if (limit < needed) {
    log(`restarting RabbitMQ: its open-file limit ${limit} is below ${needed}`);
    await restartWithFileLimit();
    const raised = openFileLimit(await brokerPid());
    if (raised < needed) throw new Error(`RabbitMQ's open-file limit is ${raised} after the restart, below ${needed}: raise the hard limit`);
  }
  for (let i = 0; !(await listening(WEB_STOMP_PORT)); i++) {
    if (i === 100) throw new Error(`Web-STOMP is not listening on ${WEB_STOMP_PORT}`);
    await sleep(200);
  }
  return {
    pid: await brokerPid(),
    url: `ws://127.0.0.1:${WEB_STOMP_PORT}/ws`,
    gc: async () => {
      await rabbitmqctl('eval', 'lists:foreach(fun erlang:garbage_collect/1, erlang:processes()).');
      return undefined;
    },
  };
}

export async function rabbitMqVersion(): Promise<string> {
  return rabbitmqctl('version').catch(() => 'unknown');
}
