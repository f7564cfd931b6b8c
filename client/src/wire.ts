// The shapes the REST API and the STOMP gateway send (docs/contract.md), from the server's own
// contract modules: types only from the zod ones, so the bundle stays free of zod.
export type { NotificationEvent, ReadReceiptEvent, TradeStatusEvent } from '../../src/contract/events.js';
export type { TradeRole, TradeStatus } from '../../src/contract/trade-status.js';
export type { ChatMessage, Notification, OpenTradeInput, ReadState, SyncResponse, Trade, TradeReads, TradeView } from '../../src/contract/shapes.js';
export { MAX_SYNC_TRADES, syncQueryString, type SyncQuery } from '../../src/contract/sync.js';

export { appDestinations } from '../../src/contract/app-destinations.js';
import { destinations } from '../../src/contract/destinations.js';
export { userDestinations } from '../../src/contract/destinations.js';

// PENDING-CONTRACT: stand-ins, under their final names, for what the presence slice declares in src/contract; replaced by imports from there as each lands.
export interface TypingEvent {
  tradeId: string;
  userId: string;
  at: string;
}
export interface PresenceEvent {
  tradeId: string;
  userId: string;
  online: boolean;
}
const roomDestinations = {
  tradeTyping: (tradeId: string) => `/topic/trades/${tradeId}/typing`,
  tradePresence: (tradeId: string) => `/topic/trades/${tradeId}/presence`,
};

/** The STOMP destinations this client subscribes to. */
export const topics = {
  trade: destinations.trade,
  tradeChat: destinations.tradeChat,
  tradeRead: destinations.tradeRead,
  tradeTyping: roomDestinations.tradeTyping,
  tradePresence: roomDestinations.tradePresence,
  userTrades: destinations.userTrades,
  userNotifications: destinations.userNotifications,
};
