import type { Prisma } from '../generated/prisma/client.js';

export interface FeedPositions {
  buyerFeedSeq: number;
  sellerFeedSeq: number;
}

/**
 * The next trade feed position of both parties, inside the caller's transaction (a trade opened
 * or changed). Each party's counter row stays locked until commit, so a user's positions commit
 * in order with no gap: a reader past position N never misses a later commit below it. The rows
 * are taken in user-id order, the same in every transaction, so two changes never deadlock.
 */
export async function nextFeedPositions(tx: Prisma.TransactionClient, buyerId: string, sellerId: string): Promise<FeedPositions> {
  const [first, second] = [buyerId, sellerId].sort() as [string, string];
  const rows = await tx.$queryRaw<{ user_id: string; last_seq: number }[]>`
    INSERT INTO trade_feed_counters (user_id, last_seq) VALUES (${first}, 1), (${second}, 1)
    ON CONFLICT (user_id) DO UPDATE SET last_seq = trade_feed_counters.last_seq + 1
    RETURNING user_id, last_seq`;
  const positionOf = (userId: string) => rows.find((r) => r.user_id === userId)!.last_seq;
  return { buyerFeedSeq: positionOf(buyerId), sellerFeedSeq: positionOf(sellerId) };
}
