import type { ChatMessage } from '../contract/shapes.js';
import type { SenderRole } from '../contract/trade-status.js';

/** A trade's latest messages with consecutive seqs, as its events announced them. */
interface Run {
  messages: ChatMessage[];
}

/**
 * The last few messages of each trade being synced, kept from the same events that move the heads,
 * so a long poll woken by a message (or a poll a message or two behind) is answered without the
 * database. Only a run of consecutive seqs is kept: an event that skips a seq starts a new run,
 * and a cursor before the run's start is read from the database. Everything kept was committed,
 * so serving it is safe whatever the cache's trust; whether it is complete is the head's word.
 */
export class RecentChat {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly perTrade: number,
    private readonly maxTrades: number,
  ) {}

  add(message: ChatMessage): void {
    const run = this.runs.get(message.tradeId);
    const last = run?.messages.at(-1)?.seq;
    if (run && last !== undefined && message.seq <= last) return; // this process's own commit, heard again
    if (run && last === message.seq - 1) {
      run.messages.push(message);
      if (run.messages.length > this.perTrade) run.messages.shift();
      return;
    }
    if (!run && this.runs.size >= this.maxTrades) this.runs.delete(this.runs.keys().next().value!);
    this.runs.set(message.tradeId, { messages: [message] });
  }

  /**
   * The messages `role` may see with `afterSeq < seq <= head`, when the run holds every seq in that
   * range; undefined otherwise (read the database).
   */
  between(tradeId: string, role: SenderRole, afterSeq: number, head: number): ChatMessage[] | undefined {
    const messages = this.runs.get(tradeId)?.messages;
    if (!messages || messages.length === 0) return undefined;
    if (messages[0]!.seq > afterSeq + 1 || messages.at(-1)!.seq < head) return undefined;
    return messages.filter((m) => m.seq > afterSeq && m.seq <= head && (m.recipientRole === null || m.recipientRole === role || role === 'MEDIATOR'));
  }
}
