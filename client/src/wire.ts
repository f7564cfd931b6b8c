// The shapes the REST API and the STOMP gateway send (SPEC.md). The event types come from the
// server's own contract module, which has no dependencies; the REST shapes are restated here
// because the server declares them next to its database code, which a browser bundle cannot load.
import type { NotificationEvent, TradeRole, TradeStatus, TradeStatusEvent } from '../../src/events/events.js';

export type { NotificationEvent, TradeRole, TradeStatus, TradeStatusEvent };

/** A chat message, the same on REST and on `/topic/trades/{tradeId}/chat`. */
export interface ChatMessage {
  id: string;
  tradeId: string;
  /** 1, 2, 3 … per trade in commit order; a side does not see the other side's system messages. */
  seq: number;
  senderId: string | null;
  message: string;
  timestamp: string;
  recipientRole: TradeRole | null;
  isSystemMessage: boolean;
}

export interface Trade {
  id: string;
  buyerId: string;
  sellerId: string;
  amount: string;
  asset: string;
  fiat: string;
  status: TradeStatus;
  createdAt: string;
  updatedAt: string;
}

export interface OpenTradeInput {
  sellerId: string;
  amount: string;
  asset: string;
  fiat: string;
}

/** A notification as REST lists it; socket NotificationEvents are converted to this shape. */
export interface Notification {
  id: string;
  userId: string;
  type: string;
  message: string;
  read: boolean;
  createdAt: string;
  readAt: string | null;
}

/** The STOMP destinations this client subscribes to. */
export const topics = {
  trade: (tradeId: string) => `/topic/trades/${tradeId}`,
  tradeChat: (tradeId: string) => `/topic/trades/${tradeId}/chat`,
  userTrades: (userId: string) => `/topic/users/${userId}/trades`,
  userNotifications: (userId: string) => `/topic/users/${userId}/notifications`,
};
