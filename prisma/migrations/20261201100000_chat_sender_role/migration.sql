-- Who wrote a chat message, as the parties see it: the buyer, the seller or a mediator (an admin
-- in a disputed trade); NULL for a system message. Stored, not derived from the trade's parties,
-- because a mediator is not a party and the role a message was written in must not change later.

-- CreateEnum
CREATE TYPE "ChatSenderRole" AS ENUM ('BUYER', 'SELLER', 'MEDIATOR');

-- AlterTable
ALTER TABLE "trade_chat_messages" ADD COLUMN     "sender_role" "ChatSenderRole";

-- Backfill: until now only the buyer and the seller could write, so each sender is one of them.
UPDATE "trade_chat_messages" AS m
SET "sender_role" = CASE WHEN m."sender_id" = t."buyer_id" THEN 'BUYER'::"ChatSenderRole" ELSE 'SELLER'::"ChatSenderRole" END
FROM "trades" AS t
WHERE t."id" = m."trade_id" AND m."sender_id" IS NOT NULL AND m."sender_id" IN (t."buyer_id", t."seller_id");
