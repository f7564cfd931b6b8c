import { destinations } from '../../src/contract/destinations.js';
import type { BenchContext } from '../context.js';
import { EventFeed } from '../infra/event-feed.js';
import { bearer } from '../infra/rest-client.js';
import { Fleet } from '../load/fleet.js';
import { SocketIoLoadClient } from '../load/socketio-client.js';
import { StompLoadClient, type StompEndpoint } from '../load/stomp-client.js';
import { launch, type ServerProcess } from '../servers/launch.js';
import { gatewayUrls, launchRole } from '../servers/roles.js';
import { AMQP_URL, JWT_SECRET } from '../settings.js';
import type { Measured } from './measure.js';

/** Every client of the broadcast runs is this user, subscribed to its notifications topic. */
export const FANOUT_USER = 'bench-fanout';
const FANOUT_DESTINATION = destinations.userNotifications(FANOUT_USER);

export const TARGET_NAMES = ['gateway-ws', 'gateway-sockjs', 'ceiling', 'socketio', 'web-stomp'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** A broadcast server under test with its clients, fed by publishing to the bench exchange. */
export interface RunningTarget extends Measured {
  fleet: Fleet;
  stop(): Promise<void>;
}

export interface BroadcastTarget {
  name: TargetName;
  label: string;
  start(ctx: BenchContext): Promise<RunningTarget>;
}

function stompFleet(endpoint: StompEndpoint, destination: string): Fleet {
  return new Fleet((_, tally) => StompLoadClient.open(endpoint, [destination], tally));
}

function running(server: ServerProcess, fleet: Fleet): RunningTarget {
  return {
    pid: server.pid,
    gc: () => server.gc(),
    fleet,
    async stop() {
      fleet.close();
      await server.stop();
    },
  };
}

function gateway(framing: StompEndpoint['framing']): BroadcastTarget {
  const name = framing === 'raw' ? 'gateway-ws' : 'gateway-sockjs';
  return {
    name,
    label: framing === 'raw' ? 'gateway, WebSocket' : 'gateway, SockJS',
    async start(ctx) {
      const server = await launchRole(ctx, 'gateway', name);
      const urls = gatewayUrls(server.baseUrl);
      const url = framing === 'raw' ? urls.websocket : urls.sockjs;
      return running(server, stompFleet({ framing, url, connectHeaders: { Authorization: bearer(FANOUT_USER) } }, FANOUT_DESTINATION));
    },
  };
}

export const TARGETS: Record<TargetName, BroadcastTarget> = {
  'gateway-ws': gateway('raw'),
  'gateway-sockjs': gateway('sockjs'),
  ceiling: {
    name: 'ceiling',
    label: 'ceiling: raw ws',
    async start(ctx) {
      const server = await launch('ceiling', {
        command: ['bench/servers/ceiling.ts'],
        readyPath: '/readyz',
        env: { AMQP_URL, AMQP_EXCHANGE: ctx.feed.exchange, BENCH_DESTINATION: FANOUT_DESTINATION },
      });
      // The same path as the gateway's, though the ceiling answers on any.
      const url = gatewayUrls(server.baseUrl).websocket;
      return running(server, stompFleet({ framing: 'raw', url, connectHeaders: { Authorization: bearer(FANOUT_USER) } }, FANOUT_DESTINATION));
    },
  },
  socketio: {
    name: 'socketio',
    label: 'Socket.IO 4',
    async start(ctx) {
      const server = await launch('socketio', {
        command: ['bench/servers/socketio.ts'],
        readyPath: '/readyz',
        env: { AMQP_URL, AMQP_EXCHANGE: ctx.feed.exchange, JWT_SECRET },
      });
      const token = bearer(FANOUT_USER).slice('Bearer '.length);
      return running(server, new Fleet((_, tally) => SocketIoLoadClient.open(server.baseUrl, token, tally)));
    },
  },
  'web-stomp': {
    name: 'web-stomp',
    label: 'RabbitMQ Web-STOMP',
    async start(ctx) {
      const broker = ctx.webStomp;
      if (!broker) throw new Error('Web-STOMP was not prepared');
      // Each subscription is an exclusive queue bound to the exchange, deleted when its client goes.
      const fleet = stompFleet(
        { framing: 'raw', url: broker.url, connectHeaders: { login: 'guest', passcode: 'guest', host: '/' } },
        `/exchange/${ctx.feed.exchange}/${EventFeed.routingKey}`,
      );
      return { pid: broker.pid, gc: () => broker.gc(), fleet, stop: async () => fleet.close() };
    },
  },
};
