// The keys the tests expect on the wire, written out by hand on purpose: derived from the
// contract's schemas they would follow any change silently. Shared so that a contract change
// (as the transcript's chainSeq and hash were) is one edit here, not one per suite.

/** A chat message as REST answers it and the socket pushes it. */
export const CHAT_MESSAGE_KEYS = [
  'chainSeq',
  'hash',
  'id',
  'isSystemMessage',
  'message',
  'recipientRole',
  'senderId',
  'senderRole',
  'seq',
  'timestamp',
  'tradeId',
] as const;

/** A ChatMessageEvent on the exchange: the message's fields under `chatId`, with an eventId. */
export const CHAT_MESSAGE_EVENT_KEYS = [...CHAT_MESSAGE_KEYS.filter((k) => k !== 'id'), 'chatId', 'eventId'].sort();

/** A TradeStatusEvent without a resolution's reason. */
export const TRADE_STATUS_EVENT_KEYS = [
  'actorId',
  'buyerId',
  'chainSeq',
  'eventId',
  'hash',
  'previousStatus',
  'sellerId',
  'status',
  'timestamp',
  'tradeId',
] as const;
