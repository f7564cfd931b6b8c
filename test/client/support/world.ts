import { RealtimeClient, type ConnectionState, type RealtimeClientOptions, type RealtimeEvents } from '../../../client/src/realtime-client.js';
import type { TradeStatusUpdate } from '../../../client/src/trade-statuses.js';
import type { ChatMessage, Notification } from '../../../client/src/wire.js';
import { FakeBroker } from './fake-broker.js';
import { FakeClock, settle } from './fake-clock.js';
import { BUYER, FakeServer, TRADE_ID } from './fake-server.js';

/** A client on a fake clock, broker and server, with everything it emits recorded. */
export function setup(options: Partial<RealtimeClientOptions> = {}) {
  const clock = new FakeClock();
  const broker = new FakeBroker();
  const server = new FakeServer(clock);
  let tokens = 0;
  const client = new RealtimeClient(
    { userId: BUYER, getToken: () => `token-${++tokens}`, ...options },
    // random 0.5: reconnect delays of 500, 1000, 2000 … ms, and jitter that adds nothing.
    { connector: broker.connector, fetch: server.fetch, clock, random: () => 0.5 },
  );
  const received: ChatMessage[] = [];
  const states: ConnectionState[] = [];
  const statuses: TradeStatusUpdate[] = [];
  const notifications: Notification[] = [];
  const unread: number[] = [];
  const unwatched: RealtimeEvents['unwatched'][] = [];
  const authRequired: RealtimeEvents['auth-required'][] = [];
  client.on('message', (m) => received.push(m));
  client.on('connection', (s) => states.push(s));
  client.on('status', (s) => statuses.push(s));
  client.on('notification', (n) => notifications.push(n));
  client.on('unread', (n) => unread.push(n));
  client.on('unwatched', (u) => unwatched.push(u));
  client.on('auth-required', (a) => authRequired.push(a));
  const seqs = () => received.map((m) => m.seq);
  return { clock, broker, server, client, received, states, statuses, notifications, unread, unwatched, authRequired, seqs };
}

export type World = ReturnType<typeof setup>;

/** Started, socket connected, trade watched as the room on screen; `messages` already in the chat. */
export async function live(world: World, messages = 0): Promise<void> {
  for (let i = 0; i < messages; i++) world.server.append();
  world.client.start();
  await settle();
  world.broker.current.connect();
  await settle();
  await world.client.watchTrade(TRADE_ID, { room: true });
}

/** The socket lost, and one message committed while it is down, before the reconnect attempt (at 500 ms) connects. */
export async function lostWithOneMissed(world: World): Promise<void> {
  world.broker.current.lose();
  world.server.append();
  await world.clock.advance(600);
}
