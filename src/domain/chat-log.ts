import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import { chatMessageEvent, type TradeRole, type BusEvent } from '../events/events.js';
import type { ChatMessage } from '../contract/shapes.js';

export type { ChatMessage };

export interface NewChatMessage {
  senderId: string | null;
  message: string;
  recipientRole: TradeRole | null;
}

/**
 * Appends a message to a trade's chat inside the caller's transaction and returns it with
 * its event. The UPDATE locks the trade row until commit, so concurrent appends to one
 * trade take seq 1, 2, 3 ... in commit order with no gap, and each timestamp is strictly
 * later than the previous one, so polling by `since` can never skip a message either.
 */
export async function appendChatMessage(
  tx: Prisma.TransactionClient,
  tradeId: string,
  input: NewChatMessage,
): Promise<{ message: ChatMessage; event: BusEvent }> {
  const [slot] = await tx.$queryRaw<{ chat_seq: number; last_chat_at: Date }[]>`
    UPDATE trades
    SET chat_seq = chat_seq + 1,
        last_chat_at = GREATEST(date_trunc('milliseconds', clock_timestamp()), last_chat_at + interval '1 millisecond')
    WHERE id = ${tradeId}::uuid
    RETURNING chat_seq, last_chat_at`;
  if (!slot) throw new Error(`trade ${tradeId} vanished inside its own transaction`);

  const row = await tx.tradeChat.create({
    data: {
      id: randomUUID(),
      tradeId,
      seq: slot.chat_seq,
      senderId: input.senderId,
      message: input.message,
      recipientRole: input.recipientRole,
      isSystemMessage: input.senderId === null,
      timestamp: slot.last_chat_at,
    },
  });
  const message = toChatMessage(row);
  const event = chatMessageEvent({
    eventId: randomUUID(),
    tradeId,
    chatId: message.id,
    seq: message.seq,
    senderId: message.senderId,
    message: message.message,
    timestamp: message.timestamp,
    recipientRole: message.recipientRole,
    isSystemMessage: message.isSystemMessage,
  });
  return { message, event };
}

export function toChatMessage(row: {
  id: string; tradeId: string; seq: number; senderId: string | null; message: string;
  timestamp: Date; recipientRole: TradeRole | null; isSystemMessage: boolean;
}): ChatMessage {
  return {
    id: row.id,
    tradeId: row.tradeId,
    seq: row.seq,
    senderId: row.senderId,
    message: row.message,
    timestamp: row.timestamp.toISOString(),
    recipientRole: row.recipientRole,
    isSystemMessage: row.isSystemMessage,
  };
}
