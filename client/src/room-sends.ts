import { TYPING_INTERVAL_MS } from '../../src/contract/app-destinations.js';
import type { Clock } from './clock.js';
import type { RestApi } from './rest-api.js';
import { withRetries } from './retry.js';
import type { ReceiptedSends } from './socket-sends.js';
import { appDestinations, type ChatMessage } from './wire.js';

export interface RoomSendsDeps {
  api: RestApi;
  /** The live connection's SENDs once it is subscribed to `/user/queue/errors`; undefined otherwise. */
  socket: () => ReceiptedSends | undefined;
  clock: Clock;
  random: () => number;
}

const RETRIES = { attempts: 4, timeoutMs: 15_000, baseDelayMs: 1000 };

/**
 * What a user does in a trade room: chat, read receipts, typing. Over the socket while it is
 * live, over REST while it is not, chosen again at every try: a try that failed on a socket
 * that then closed is retried over REST. Only idempotent writes are retried this way (a chat
 * message by its `clientMessageId`, a read seq that never moves back), so whichever way each
 * try went, the server applies the write once.
 */
export class RoomSends {
  readonly #typingSentAt = new Map<string, number>();
  readonly #readThrough = new Map<string, number>();

  constructor(private readonly deps: RoomSendsDeps) {}

  /** Resolves once stored: with the message when REST carried it; over the socket, the chat topic brings it. */
  send(tradeId: string, message: string, clientMessageId: string): Promise<ChatMessage | undefined> {
    return this.#withRetries<ChatMessage | undefined>(async (socket, signal) => {
      if (!socket) return this.deps.api.sendMessage(tradeId, message, clientMessageId, signal);
      await socket.send(appDestinations.chat(tradeId), { message, clientMessageId }, signal);
      return undefined;
    });
  }

  /** REST only, so the stored message comes back. */
  sendOverRest(tradeId: string, message: string, clientMessageId: string): Promise<ChatMessage> {
    return this.#withRetries((_socket, signal) => this.deps.api.sendMessage(tradeId, message, clientMessageId, signal));
  }

  /** A seq at or below one already marked is not sent again. */
  async markRead(tradeId: string, seq: number): Promise<void> {
    if (seq <= (this.#readThrough.get(tradeId) ?? 0)) return;
    await this.#withRetries(async (socket, signal) => {
      if (socket) await socket.send(appDestinations.read(tradeId), { seq }, signal);
      else await this.deps.api.markRead(tradeId, seq, signal);
    });
    this.#readThrough.set(tradeId, Math.max(seq, this.#readThrough.get(tradeId) ?? 0));
  }

  /** Socket only (typing over REST would be stale on arrival). Whether a frame went. */
  typing(tradeId: string): boolean {
    const socket = this.deps.socket();
    const now = this.deps.clock.now();
    const last = this.#typingSentAt.get(tradeId);
    if (!socket || (last !== undefined && now - last < TYPING_INTERVAL_MS)) return false;
    this.#typingSentAt.set(tradeId, now);
    socket.post(appDestinations.typing(tradeId), {});
    return true;
  }

  #withRetries<T>(attempt: (socket: ReceiptedSends | undefined, signal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetries((signal) => attempt(this.deps.socket(), signal), { ...RETRIES, clock: this.deps.clock, random: this.deps.random });
  }
}
