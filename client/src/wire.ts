// The shapes the REST API and the STOMP gateway send (SPEC.md), from the server's own contract
// modules, which have no dependencies.
export type { NotificationEvent, TradeRole, TradeStatus, TradeStatusEvent } from '../../src/events/events.js';
export type { ChatMessage, Notification, OpenTradeInput, Trade } from '../../src/contract/shapes.js';

import { destinations } from '../../src/contract/destinations.js';

/** The STOMP destinations this client subscribes to. */
export const topics = {
  trade: destinations.trade,
  tradeChat: destinations.tradeChat,
  userTrades: destinations.userTrades,
  userNotifications: destinations.userNotifications,
};
