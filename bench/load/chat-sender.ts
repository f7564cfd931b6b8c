import { performance } from 'node:perf_hooks';
import { systemClock } from '../../client/src/clock.js';
import { RestApi, type Fetch } from '../../client/src/rest-api.js';
import { newClientMessageId } from '../../client/src/retry.js';
import { RoomSends } from '../../client/src/room-sends.js';
import { bearer, rest } from '../infra/rest-client.js';

export interface ChatSend {
  /** performance.now() when it was sent. */
  at: number;
  /** The first try's answer: its status, 0 when none came within the library's timeout (15 s). */
  firstStatus: number;
  /** How long the first try's answer took (ms). */
  firstMs: number;
  /** Tries the library made, the first included. */
  tries: number;
  /** Stored, as far as the user can tell: the library's send resolved (after its retries). */
  stored: boolean;
  /** Why the library gave up ('error': no answer), when it did. */
  failure?: string;
}

export interface ChatTrade {
  id: string;
  buyer: string;
  seller: string;
}

/**
 * Chat sends over REST at a fixed rate, open loop (a slow answer does not hold back the next
 * send, as users do not wait for each other), round the trades, buyer and seller in turn. Each
 * is sent as a user of the client library sends it (`RoomSends`, with its `clientMessageId`,
 * timeout and retries on no answer, 429 and 503), so a failed send is one the user saw fail; the
 * first try's answer is kept too.
 */
export function startChatSender(apiUrl: string, trades: readonly ChatTrade[], perSecond: number) {
  const sends: ChatSend[] = [];
  const pending = new Set<Promise<void>>();
  let n = 0;
  const sendOne = async () => {
    const trade = trades[n % trades.length]!;
    const sender = Math.floor(n / trades.length) % 2 ? trade.seller : trade.buyer;
    const record: ChatSend = { at: performance.now(), firstStatus: 0, firstMs: 0, tries: 0, stored: false };
    sends.push(record);
    n++;
    const countedFetch: Fetch = async (url, init) => {
      const first = record.tries++ === 0;
      const res = await fetch(url, init);
      if (first) {
        record.firstStatus = res.status;
        record.firstMs = performance.now() - record.at;
      }
      return res;
    };
    const api = new RestApi({ baseUrl: apiUrl, apiPath: '/p2p', getToken: () => bearer(sender).slice('Bearer '.length), fetch: countedFetch });
    const room = new RoomSends({ api, socket: () => undefined, clock: systemClock, random: Math.random });
    try {
      await room.sendOverRest(trade.id, failoverText(n), newClientMessageId());
      record.stored = true;
    } catch (err) {
      const status = (err as { status?: number }).status;
      record.failure = status ? String(status) : 'error';
    }
  };
  const timer = setInterval(() => {
    const sent = sendOne();
    pending.add(sent);
    void sent.finally(() => pending.delete(sent));
  }, 1000 / perSecond);
  return {
    sends,
    /** Stops sending and waits for the answers still due (the library's retries included). */
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

const failoverText = (n: number) => `failover ${n}: tin nhắn`;

/**
 * Sends stored more than once, by their text (unique per send), read back from each trade: what
 * a retry without its `clientMessageId` honoured would leave.
 */
export async function storedTwice(apiUrl: string, trades: readonly ChatTrade[]): Promise<number> {
  let twice = 0;
  for (const trade of trades) {
    const stored = await rest<{ message: string }[]>(apiUrl, trade.buyer, 'GET', `/p2p/trades/${trade.id}/chat?afterSeq=0&limit=1000`);
    const seen = new Set<string>();
    for (const { message } of stored) {
      if (!message.startsWith('failover ')) continue;
      if (seen.has(message)) twice++;
      seen.add(message);
    }
  }
  return twice;
}
