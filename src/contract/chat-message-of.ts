import type { ChatMessageEvent } from './events.js';
import type { ChatMessage } from './shapes.js';

/** The message an event announces, in the REST shape, so pushed, polled and synced messages are alike. */
export function chatMessageOf(e: ChatMessageEvent): ChatMessage {
  return {
    id: e.chatId,
    tradeId: e.tradeId,
    seq: e.seq,
    senderId: e.senderId,
    senderRole: e.senderRole ?? null,
    message: e.message,
    timestamp: e.timestamp,
    recipientRole: e.recipientRole,
    isSystemMessage: e.isSystemMessage,
    ...(e.hash !== undefined ? { chainSeq: e.chainSeq, hash: e.hash } : {}),
  };
}
