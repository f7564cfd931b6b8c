import { performance } from 'node:perf_hooks';
import { bearer } from '../infra/rest-client.js';

export interface ChatSend {
  /** performance.now() when it was sent. */
  at: number;
  /** The answer's status; 0 when none came within the timeout. */
  status: number;
  /** How long the answer took (ms); the timeout when none came. */
  ms: number;
}

export interface ChatTrade {
  id: string;
  buyer: string;
  seller: string;
}

// A user's send that has had no answer by then has failed, as far as the user can tell.
const SEND_TIMEOUT_MS = 10_000;

/**
 * Chat sends over REST at a fixed rate, open loop (a slow answer does not hold back the next
 * send, as users do not wait for each other), round the trades, buyer and seller in turn.
 */
export function startChatSender(apiUrl: string, trades: readonly ChatTrade[], perSecond: number) {
  const sends: ChatSend[] = [];
  const pending = new Set<Promise<void>>();
  let n = 0;
  const sendOne = async () => {
    const trade = trades[n % trades.length]!;
    const sender = Math.floor(n / trades.length) % 2 ? trade.seller : trade.buyer;
    const record: ChatSend = { at: performance.now(), status: 0, ms: SEND_TIMEOUT_MS };
    sends.push(record);
    n++;
    try {
      const res = await fetch(`${apiUrl}/p2p/trades/${trade.id}/chat`, {
        method: 'POST',
        headers: { Authorization: bearer(sender), 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: `failover ${n}: tin nhắn` }),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      record.status = res.status;
      record.ms = performance.now() - record.at;
    } catch {
      // No answer: status stays 0.
    }
  };
  const timer = setInterval(() => {
    const sent = sendOne();
    pending.add(sent);
    void sent.finally(() => pending.delete(sent));
  }, 1000 / perSecond);
  return {
    sends,
    /** Stops sending and waits for the answers still due. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}
