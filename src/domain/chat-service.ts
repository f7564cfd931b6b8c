import type { Database } from '../persistence/database.js';
import type { Outbox } from '../messaging/outbox.js';
import type { Actor } from '../auth/actor.js';
import { appendChatMessage, CHAIN_LINK_JOIN, CHAT_MESSAGE_COLUMNS, toChatMessage, type ChatMessage, type ChatRow } from './chat-log.js';
import { conflict, forbidden } from './errors.js';
import { recordAudit, recordRead } from './dispute-audit.js';
import { disputeResolved } from './mediation.js';
import { violatesUnique } from '../persistence/driver-errors.js';
import { MAX_PAGE } from '../contract/shapes.js';
import type { TradeService } from './trade-service.js';
import type { TranscriptChain } from './transcript-chain.js';

/** Which messages to return: after a timestamp (the plan's polling) and/or after a seq (the cursor). */
export interface ChatQuery {
  since?: Date;
  afterSeq?: number;
  limit?: number;
}

/** Named by the unique index of (trade_id, sender_id, client_message_id). */
const CLIENT_KEY = 'trade_chat_messages_trade_id_sender_id_client_message_id_key';

// Each message with its transcript link, as sync reads them (src/sync/sync-reads.ts). A null
// filter is no filter: `since` (timestamp), `afterSeq`; `role` null: a mediator, who sees every
// system message.
const LIST_SQL = `
  SELECT ${CHAT_MESSAGE_COLUMNS}
  FROM trade_chat_messages m ${CHAIN_LINK_JOIN}
  WHERE m.trade_id = $1::uuid
    AND ($2::text IS NULL OR m.recipient_role IS NULL OR m.recipient_role::text = $2)
    AND ($3::timestamptz IS NULL OR m.timestamp > $3)
    AND ($4::int IS NULL OR m.seq > $4)
  ORDER BY m.seq LIMIT $5`;

const STORED_SQL = `
  SELECT ${CHAT_MESSAGE_COLUMNS}
  FROM trade_chat_messages m ${CHAIN_LINK_JOIN}
  WHERE m.trade_id = $1::uuid AND m.sender_id = $2 AND m.client_message_id = $3`;

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
    private readonly chain: TranscriptChain,
  ) {}

  /**
   * Stores and publishes a message. With a `clientMessageId` the send is idempotent: the unique
   * index decides, so of concurrent tries exactly one commits (and one event goes out); the
   * others roll back, seq gap included, and return the stored message. The same key with another
   * text is a conflict: the client reused a key, and answering with either message would hide it.
   */
  async send(actor: Actor, tradeId: string, text: string, clientMessageId?: string): Promise<SentMessage> {
    const seat = await this.trades.seat(actor, tradeId);
    if (!seat.mayPost) throw disputeResolved();
    const senderRole = seat.role;
    try {
      const message = await this.outbox.transaction(async (tx, stage) => {
        const appended = await appendChatMessage(tx, this.chain, tradeId, {
          senderId: actor.userId,
          senderRole,
          message: text,
          recipientRole: null,
          clientMessageId,
        });
        if (senderRole === 'MEDIATOR') {
          await recordAudit(tx, { tradeId, actorId: actor.userId, action: 'POST', messageId: appended.message.id, seq: appended.message.seq });
        }
        stage(appended.event);
        return appended.message;
      });
      return { message, created: true };
    } catch (err) {
      if (!clientMessageId || !violatesUnique(err, CLIENT_KEY)) throw err;
    }
    const [stored] = await this.db.query<ChatRow>(STORED_SQL, [tradeId, actor.userId, clientMessageId]);
    if (!stored) throw new Error(`trade ${tradeId}: the message that clashed on clientMessageId is gone`);
    if (stored.message !== text) throw conflict('this clientMessageId was already used for a different message in this trade');
    return { message: toChatMessage(stored), created: false };
  }

  /**
   * Messages in seq order (= timestamp order), each side seeing only the system messages
   * meant for it, a mediator all of them. Both cursors are exclusive: the client passes the
   * last one it has. A mediator's page that is not empty is written to the audit trail before
   * it is answered; an empty one writes nothing (an empty poll stays free of writes).
   */
  async list(actor: Actor, tradeId: string, query: ChatQuery): Promise<ChatMessage[]> {
    const { role } = await this.trades.seat(actor, tradeId);
    const rows = await this.db.reads.run(() =>
      this.db.query<ChatRow>(LIST_SQL, [
        tradeId,
        role === 'MEDIATOR' ? null : role,
        query.since ?? null,
        query.afterSeq ?? null,
        Math.min(query.limit ?? MAX_PAGE, MAX_PAGE),
      ]),
    );
    if (role === 'MEDIATOR') await recordRead(this.db.prisma, tradeId, actor.userId, rows);
    return rows.map(toChatMessage);
  }

  /** `POST /p2p/trades/{tradeId}/audit/joins`: a mediator joined the room (the gateway calls it on SUBSCRIBE). */
  async join(actor: Actor, tradeId: string): Promise<void> {
    const { role } = await this.trades.seat(actor, tradeId);
    if (role !== 'MEDIATOR') throw forbidden('only a mediator joins a room; the parties are in it');
    await recordAudit(this.db.prisma, { tradeId, actorId: actor.userId, action: 'JOIN' });
  }
}
