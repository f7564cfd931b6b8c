// The shapes the REST API and the STOMP gateway send (docs/contract.md), from the server's own
// contract modules: types only from the zod ones, so the bundle stays free of zod.
export type { NotificationEvent, PresenceEvent, ReadReceiptEvent, TradeStatusEvent, TypingEvent } from '../../src/contract/events.js';
export type { SenderRole, TradeRole, TradeStatus } from '../../src/contract/trade-status.js';
export type { AuditEntry, Dispute } from '../../src/contract/dispute.js';
export type { ChatMessage, Notification, OpenTradeInput, ReadState, SyncResponse, Trade, TradeReads, TradeView } from '../../src/contract/shapes.js';
export { MAX_SYNC_TRADES, syncQueryString, type SyncQuery, type SyncTradeReads } from '../../src/contract/sync.js';

export { appDestinations } from '../../src/contract/app-destinations.js';
import { destinations } from '../../src/contract/destinations.js';
export { DEFAULT_MAX_SUBSCRIPTIONS, userDestinations } from '../../src/contract/destinations.js';

/** The STOMP destinations this client subscribes to. */
export const topics = {
  trade: destinations.trade,
  tradeChat: destinations.tradeChat,
  tradeRead: destinations.tradeRead,
  tradeTyping: destinations.tradeTyping,
  tradePresence: destinations.tradePresence,
  userTrades: destinations.userTrades,
  userNotifications: destinations.userNotifications,
};
