import type { BusEvent } from '../events/events.js';
import { ROUTING_KEYS } from '../contract/routing-keys.js';
import type { Consumer, EventBus } from '../messaging/event-bus.js';
import { chatMessageOf } from '../contract/chat-message-of.js';
import { SENDER_ROLES } from '../contract/trade-status.js';
import { chatKey, notificationKey, readKey, tradeFeedKey, type HeadCache } from './head-cache.js';
import type { RecentChat } from './recent-chat.js';

/** What the sync route keeps in memory, fed by every commit's event. */
export interface SyncMemory {
  heads: HeadCache;
  recent: RecentChat;
}

/** What a committed event tells the head cache; the same for this process's commits and others'. */
export function applyEvent({ heads: cache, recent }: SyncMemory, event: BusEvent): void {
  switch (event.type) {
    case 'ChatMessageEvent': {
      const { tradeId, seq, recipientRole } = event.payload;
      // Before the heads move: a long poll they wake finds the message here.
      if (SENDER_ROLES.some((role) => cache.tracks(chatKey(tradeId, role)))) recent.add(chatMessageOf(event.payload));
      if (recipientRole !== 'SELLER') cache.raise(chatKey(tradeId, 'BUYER'), seq);
      if (recipientRole !== 'BUYER') cache.raise(chatKey(tradeId, 'SELLER'), seq);
      cache.raise(chatKey(tradeId, 'MEDIATOR'), seq);
      return;
    }
    case 'NotificationEvent': {
      const { userId, seq } = event.payload;
      // Other publishers may leave the seq out: then only the database knows the head.
      if (seq === undefined) cache.invalidate(notificationKey(userId));
      else cache.raise(notificationKey(userId), seq);
      return;
    }
    case 'ReadReceiptEvent':
      cache.raise(readKey(event.payload.tradeId, event.payload.userId), event.payload.seq);
      return;
    case 'TradeStatusEvent':
      // The event does not carry the feed positions: each party's feed is read once more.
      cache.invalidate(tradeFeedKey(event.payload.buyerId));
      cache.invalidate(tradeFeedKey(event.payload.sellerId));
      return;
  }
}

/**
 * Feeds the cache with every process's commits from this process's own queue. The cache is
 * trusted only while that queue is bound and consumed: events published while it was not may be
 * gone, so each (re)connection starts an empty cache that refills from the database.
 */
export function startHeadFeed(bus: EventBus, memory: SyncMemory, queue: string): Promise<Consumer> {
  return bus.consume(
    {
      queue,
      delivery: 'per-instance',
      routingKeys: Object.values(ROUTING_KEYS),
      prefetch: 500,
      onStateChange: (consuming) => memory.heads.setTrusted(consuming),
    },
    async (event) => applyEvent(memory, event),
  );
}
