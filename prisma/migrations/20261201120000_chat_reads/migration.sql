-- Read receipts: each party's last-read chat seq per trade. One row per (trade, user), written
-- only forwards (the upsert's WHERE keeps a lower seq from replacing a higher one).

-- CreateTable
CREATE TABLE "trade_chat_reads" (
    "trade_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "read_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "trade_chat_reads_pkey" PRIMARY KEY ("trade_id","user_id")
);

-- AddForeignKey
ALTER TABLE "trade_chat_reads" ADD CONSTRAINT "trade_chat_reads_trade_id_fkey" FOREIGN KEY ("trade_id") REFERENCES "trades"("id") ON DELETE CASCADE ON UPDATE CASCADE;
