-- The sync route's trades cursor: a gapless per-user feed position. Every opening or status change
-- of a trade takes the next position of both parties (under the lock of their trade_feed_counters
-- row, held until commit) and stores it on the trade, so a user's positions commit in order and a
-- reader past position N never misses a later commit below it. Existing trades are numbered per
-- user in (updated_at, id) order. 0 (the default) is in no feed: a row written outside TradeService.

-- AlterTable
ALTER TABLE "trades" ADD COLUMN     "buyer_feed_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "seller_feed_seq" INTEGER NOT NULL DEFAULT 0;

WITH feed AS (
  SELECT "id", "side", row_number() OVER (PARTITION BY "user_id" ORDER BY "updated_at", "id") AS "seq"
  FROM (SELECT "id", "buyer_id" AS "user_id", 'B' AS "side", "updated_at" FROM "trades"
        UNION ALL
        SELECT "id", "seller_id", 'S', "updated_at" FROM "trades") AS sides)
UPDATE "trades" AS t SET
  "buyer_feed_seq" = (SELECT f."seq" FROM feed f WHERE f."id" = t."id" AND f."side" = 'B'),
  "seller_feed_seq" = (SELECT f."seq" FROM feed f WHERE f."id" = t."id" AND f."side" = 'S');

-- CreateTable
CREATE TABLE "trade_feed_counters" (
    "user_id" TEXT NOT NULL,
    "last_seq" INTEGER NOT NULL,

    CONSTRAINT "trade_feed_counters_pkey" PRIMARY KEY ("user_id")
);

INSERT INTO "trade_feed_counters" ("user_id", "last_seq")
SELECT "user_id", max("seq") FROM (
  SELECT "buyer_id" AS "user_id", "buyer_feed_seq" AS "seq" FROM "trades"
  UNION ALL
  SELECT "seller_id", "seller_feed_seq" FROM "trades") AS sides
GROUP BY "user_id";

-- CreateIndex
CREATE INDEX "trades_buyer_id_buyer_feed_seq_idx" ON "trades"("buyer_id", "buyer_feed_seq");

-- CreateIndex
CREATE INDEX "trades_seller_id_seller_feed_seq_idx" ON "trades"("seller_id", "seller_feed_seq");
