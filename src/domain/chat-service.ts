import type { Database } from '../persistence/database.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Outbox } from '../messaging/outbox.js';
import type { TradeRole } from '../contract/trade-status.js';
import type { Actor } from '../auth/actor.js';
import { appendChatMessage, toChatMessage, type ChatMessage } from './chat-log.js';
import { conflict, forbidden } from './errors.js';
import { violatesUnique } from '../persistence/driver-errors.js';
import { roleOf } from '../contract/trade-transitions.js';
import { MAX_PAGE } from '../contract/shapes.js';
import type { TradeService } from './trade-service.js';

/** Which messages to return: after a timestamp (the plan's polling) and/or after a seq (the cursor). */
export interface ChatQuery {
  since?: Date;
  afterSeq?: number;
  limit?: number;
}

/** Named by the unique index of (trade_id, sender_id, client_message_id). */
const CLIENT_KEY = 'trade_chat_messages_trade_id_sender_id_client_message_id_key';

export interface SentMessage {
  message: ChatMessage;
  /** False when `clientMessageId` found the message stored by an earlier try. */
  created: boolean;
}

export class ChatService {
  constructor(
    private readonly db: Database,
    private readonly trades: TradeService,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Stores and publishes a message. With a `clientMessageId` the send is idempotent: the unique
   * index decides, so of concurrent tries exactly one commits (and one event goes out); the
   * others roll back, seq gap included, and return the stored message. The same key with another
   * text is a conflict: the client reused a key, and answering with either message would hide it.
   */
  async send(actor: Actor, tradeId: string, text: string, clientMessageId?: string): Promise<SentMessage> {
    const senderRole = await this.participantRole(actor, tradeId);
    try {
      const message = await this.outbox.transaction(async (tx, stage) => {
        const appended = await appendChatMessage(tx, tradeId, { senderId: actor.userId, senderRole, message: text, recipientRole: null, clientMessageId });
        stage(appended.event);
        return appended.message;
      });
      return { message, created: true };
    } catch (err) {
      if (!clientMessageId || !violatesUnique(err, CLIENT_KEY)) throw err;
    }
    const stored = await this.db.prisma.tradeChat.findFirstOrThrow({ where: { tradeId, senderId: actor.userId, clientMessageId } });
    if (stored.message !== text) throw conflict('this clientMessageId was already used for a different message in this trade');
    return { message: toChatMessage(stored), created: false };
  }

  /**
   * Messages in seq order (= timestamp order), each side seeing only the system messages
   * meant for it. Both cursors are exclusive: the client passes the last one it has.
   */
  async list(actor: Actor, tradeId: string, query: ChatQuery): Promise<ChatMessage[]> {
    const role = await this.participantRole(actor, tradeId);
    const where: Prisma.TradeChatWhereInput = {
      tradeId,
      OR: [{ recipientRole: null }, { recipientRole: role }],
      ...(query.since ? { timestamp: { gt: query.since } } : {}),
      ...(query.afterSeq !== undefined ? { seq: { gt: query.afterSeq } } : {}),
    };
    const rows = await this.db.reads.run(() =>
      this.db.prisma.tradeChat.findMany({ where, orderBy: { seq: 'asc' }, take: Math.min(query.limit ?? MAX_PAGE, MAX_PAGE) }),
    );
    return rows.map(toChatMessage);
  }

  /** Only the buyer and the seller may read or write a trade's chat (admins excluded). */
  private async participantRole(actor: Actor, tradeId: string): Promise<TradeRole> {
    const role = roleOf(await this.trades.participants(tradeId), actor.userId);
    if (!role) throw forbidden('only the buyer and the seller may use this chat');
    return role;
  }
}
