import amqplib from 'amqplib';
import { rabbitmqctl, brokerPid } from '../../test/support/services/rabbitmq-instance.js';
import { AMQP_URL, SERVICES } from '../settings.js';
import { openFileLimit } from './proc.js';

// RabbitMQ's own files, the bench's AMQP clients and some slack.
const SPARE_FILES = 2_000;

export interface WebStompBroker {
  pid: number;
  url: string;
  /** Garbage-collects every Erlang process, the nearest thing to a full GC the VM has. */
  gc(): Promise<undefined>;
}

/**
 * The Web-STOMP plugin of the run's own broker (started with it, on a free port, with its
 * open-file limit raised), checked to hold `connections` more sockets. A broker named by
 * TEST_AMQP_URL is somebody else's and is not reconfigured: that comparison is then left out.
 */
export function prepareWebStomp(connections: number): WebStompBroker {
  const node = SERVICES.rabbitmq;
  const pid = node && brokerPid(node);
  if (!node?.webStompPort || pid === undefined) {
    throw new Error("the web-stomp target needs the bench's own broker: unset TEST_AMQP_URL, or leave it out with --targets");
  }
  const needed = connections + SPARE_FILES;
  const limit = openFileLimit(pid);
  if (limit < needed) throw new Error(`RabbitMQ's open-file limit is ${limit}, below ${needed}: raise the hard limit (ulimit -Hn)`);
  return {
    pid,
    url: `ws://127.0.0.1:${node.webStompPort}/ws`,
    gc: async () => {
      await rabbitmqctl(node, 'eval', 'lists:foreach(fun erlang:garbage_collect/1, erlang:processes()).');
      return undefined;
    },
  };
}

/** The broker's version, as it announces itself to AMQP clients. */
export async function rabbitMqVersion(): Promise<string> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    return String(connection.connection.serverProperties.version ?? 'unknown');
  } finally {
    await connection.close().catch(() => {});
  }
}
