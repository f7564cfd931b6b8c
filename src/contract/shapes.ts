// The REST response shapes of SPEC.md, shared by the server and the browser client: this module
// has no dependencies, so the client bundle can import it.
import type { TradeRole, TradeStatus } from '../events/events.js';

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

export interface Notification {
  id: string;
  userId: string;
  /** 1, 2, 3 … per user in commit order: the `afterSeq` polling cursor. */
  seq: number;
  type: string;
  message: string;
  read: boolean;
  createdAt: string;
  readAt: string | null;
}
