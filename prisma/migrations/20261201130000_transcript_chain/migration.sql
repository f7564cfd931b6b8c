-- The tamper-evident transcript (docs/transcript.md): each chat message and status change of a
-- trade is an entry of the trade's chain, numbered 1, 2, 3 ... by chain_seq under the trade row
-- lock. A chat entry points at its message, whose row holds the content; a status entry holds its
-- own. digest, hash and signature are NULL until signed: SQL cannot sign, so the entries written
-- here for existing trades are signed by the api at start-up (src/domain/transcript-backfill.ts).

-- AlterTable: the last chain_seq handed out and the last entry's hash. The hash is on the trade row
-- because the next writer reads it in the UPDATE that takes the row lock: that UPDATE sees the row
-- as the previous writer committed it, where a read of the entries table could still see the
-- snapshot from before.
ALTER TABLE "trades" ADD COLUMN "chain_seq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "chain_hash" BYTEA;

-- CreateTable
CREATE TABLE "trade_chain_entries" (
    "trade_id" UUID NOT NULL,
    "chain_seq" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "chat_id" UUID,
    "from_status" "TradeStatus",
    "to_status" "TradeStatus",
    "actor_id" TEXT,
    "actor_role" TEXT,
    "reason" TEXT,
    "timestamp" TIMESTAMPTZ(3),
    "digest" BYTEA,
    "hash" BYTEA,
    "signature" BYTEA,
    "kid" TEXT,

    CONSTRAINT "trade_chain_entries_pkey" PRIMARY KEY ("trade_id","chain_seq"),
    CONSTRAINT "trade_chain_entries_kind_check" CHECK ("kind" IN ('chat', 'status'))
);

-- CreateIndex
CREATE UNIQUE INDEX "trade_chain_entries_chat_id_key" ON "trade_chain_entries"("chat_id");

-- AddForeignKey
ALTER TABLE "trade_chain_entries" ADD CONSTRAINT "trade_chain_entries_trade_id_fkey" FOREIGN KEY ("trade_id") REFERENCES "trades"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey: a chained message cannot be deleted on its own (only its entry first, which
-- leaves a gap every verifier reports); deleting the trade removes both.
ALTER TABLE "trade_chain_entries" ADD CONSTRAINT "trade_chain_entries_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "trade_chat_messages"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- Existing trades, from the genesis value: the opening (the buyer opened it, at created_at), the
-- chat in seq order, then, for a trade no longer PENDING, its status as found here (the changes
-- in between were never recorded, so this entry names neither the previous status nor the actor).
INSERT INTO "trade_chain_entries" ("trade_id", "chain_seq", "kind", "from_status", "to_status", "actor_id", "actor_role", "timestamp")
SELECT "id", 1, 'status', NULL, 'PENDING', "buyer_id", 'BUYER', "created_at" FROM "trades";

INSERT INTO "trade_chain_entries" ("trade_id", "chain_seq", "kind", "chat_id")
SELECT "trade_id", 1 + row_number() OVER (PARTITION BY "trade_id" ORDER BY "seq"), 'chat', "id" FROM "trade_chat_messages";

INSERT INTO "trade_chain_entries" ("trade_id", "chain_seq", "kind", "from_status", "to_status", "reason", "timestamp")
SELECT t."id", 2 + (SELECT count(*) FROM "trade_chat_messages" c WHERE c."trade_id" = t."id"), 'status', NULL, t."status", 'status when the transcript began', t."updated_at"
FROM "trades" t WHERE t."status" <> 'PENDING';

UPDATE "trades" t SET "chain_seq" = (SELECT count(*) FROM "trade_chain_entries" e WHERE e."trade_id" = t."id");
