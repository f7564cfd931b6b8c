import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import { chatMessageEvent, type BusEvent } from '../events/events.js';
import type { SenderRole, TradeRole } from '../contract/trade-status.js';
import type { ChatMessage } from '../contract/shapes.js';
import type { TranscriptChain } from './transcript-chain.js';
import { chatChainEntry } from '../contract/transcript.js';
import { disputeResolved } from './mediation.js';

export type { ChatMessage };

/** A system message has neither sender nor role; a user's message has both. */
export type NewChatMessage = {
  message: string;
  recipientRole: TradeRole | null;
  /** The sender's idempotency key; system messages have none. */
  clientMessageId?: string;
} & ({ senderId: null; senderRole: null } | { senderId: string; senderRole: SenderRole });

/**
 * Appends a message to a trade's chat inside the caller's transaction and returns it with
 * its event. The UPDATE locks the trade row until commit, so concurrent appends to one
 * trade take seq 1, 2, 3 ... in commit order with no gap, and each timestamp is strictly
 * later than the previous one, so polling by `since` can never skip a message either.
 * One statement takes both slots (chat seq and transcript chain_seq, under that lock) and inserts
 * the row, a second seals its transcript entry: this is every chat send's hot path.
 *
 * A mediator's message needs the trade still DISPUTED (mediatorMayPost), checked here under the
 * lock: the caller's check ran before the transaction, and a resolution may commit in between,
 * or hold the lock this UPDATE waits for (PostgreSQL then re-reads the row it got, status
 * included). Then no row is updated and the post is refused as that check refuses it.
 */
export async function appendChatMessage(
  tx: Prisma.TransactionClient,
  chain: TranscriptChain,
  tradeId: string,
  input: NewChatMessage,
): Promise<{ message: ChatMessage; event: BusEvent }> {
  const id = randomUUID();
  const isSystemMessage = input.senderId === null;
  const byMediator = input.senderRole === 'MEDIATOR';
  const [slot] = await tx.$queryRaw<{ seq: number; timestamp: Date; chainSeq: number; previous: string | null }[]>`
    WITH slot AS (
      UPDATE trades
      SET chat_seq = chat_seq + 1,
          chain_seq = chain_seq + 1,
          last_chat_at = GREATEST(date_trunc('milliseconds', clock_timestamp()), last_chat_at + interval '1 millisecond')
      WHERE id = ${tradeId}::uuid AND (NOT ${byMediator}::boolean OR status = 'DISPUTED')
      RETURNING chat_seq, chain_seq, chain_hash, last_chat_at),
    message AS (
    INSERT INTO trade_chat_messages (id, trade_id, seq, sender_id, sender_role, message, recipient_role, is_system_message, timestamp, client_message_id)
    SELECT ${id}::uuid, ${tradeId}::uuid, chat_seq, ${input.senderId}, ${input.senderRole}::"ChatSenderRole", ${input.message}, ${input.recipientRole}::"TradeRole", ${isSystemMessage}, last_chat_at, ${input.clientMessageId ?? null}
    FROM slot
    RETURNING seq, timestamp)
    SELECT message.seq, message.timestamp, slot.chain_seq AS "chainSeq", encode(slot.chain_hash, 'hex') AS previous
    FROM message CROSS JOIN slot`;
  if (!slot) {
    if (byMediator) throw disputeResolved();
    throw new Error(`trade ${tradeId} vanished inside its own transaction`);
  }

  const message = toChatMessage({
    id,
    tradeId,
    senderId: input.senderId,
    senderRole: input.senderRole,
    message: input.message,
    recipientRole: input.recipientRole,
    isSystemMessage,
    seq: slot.seq,
    timestamp: slot.timestamp,
  });
  const link = await chain.seal(tx, chatChainEntry(message, slot.chainSeq), slot.previous);
  const event = chatMessageEvent({
    eventId: randomUUID(),
    tradeId,
    chatId: message.id,
    seq: message.seq,
    senderId: message.senderId,
    senderRole: message.senderRole,
    message: message.message,
    timestamp: message.timestamp,
    recipientRole: message.recipientRole,
    isSystemMessage: message.isSystemMessage,
    ...link,
  });
  // The answer carries the link as the event does: one shape for every chat message.
  return { message: { ...message, ...link }, event };
}

/**
 * Joins a message `m` to its transcript entry `e`, one index lookup per message. A plain
 * `LEFT JOIN ... ON e.chat_id = m.id` let PostgreSQL plan a hash join over the whole chain table
 * for a page of ten messages (the sync bench: 1.1 ms of which 0.8 ms scanning entries, growing with
 * every trade's history); the LIMIT keeps the subquery from being flattened into that join.
 */
export const CHAIN_LINK_JOIN = 'LEFT JOIN LATERAL (SELECT x.chain_seq, x.hash FROM trade_chain_entries x WHERE x.chat_id = m.id LIMIT 1) e ON true';

/** The columns toChatMessage takes, of a message `m` and its transcript entry `e` (CHAIN_LINK_JOIN). */
export const CHAT_MESSAGE_COLUMNS = `m.id::text AS "id", m.trade_id::text AS "tradeId", m.seq, m.sender_id AS "senderId",
  m.sender_role::text AS "senderRole", m.message, m.timestamp, m.recipient_role::text AS "recipientRole",
  m.is_system_message AS "isSystemMessage", e.chain_seq AS "chainSeq", encode(e.hash, 'hex') AS "hash"`;

/** A stored message as CHAT_MESSAGE_COLUMNS reads it: its entry's place and hash beside it, if any. */
export interface ChatRow {
  id: string;
  tradeId: string;
  seq: number;
  senderId: string | null;
  senderRole: SenderRole | null;
  message: string;
  timestamp: Date;
  recipientRole: TradeRole | null;
  isSystemMessage: boolean;
  chainSeq?: number | null;
  hash?: string | null;
}

export function toChatMessage(row: ChatRow): ChatMessage {
  return {
    id: row.id,
    tradeId: row.tradeId,
    seq: row.seq,
    senderId: row.senderId,
    senderRole: row.senderRole,
    message: row.message,
    timestamp: row.timestamp.toISOString(),
    recipientRole: row.recipientRole,
    isSystemMessage: row.isSystemMessage,
    // No hash yet: an entry the migration chained stays unsigned (hash NULL) until the api signs
    // its trade's backlog (at start-up, or at the trade's next write). A hash that does not exist
    // yet cannot be held, and a made-up one would fail the check it is for, so the link is left
    // out, as the contract's optional fields allow; the next read after the signing carries it.
    ...(row.hash != null ? { chainSeq: row.chainSeq!, hash: row.hash } : {}),
  };
}
