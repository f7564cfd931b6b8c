-- Idempotent chat sends: the sender's optional key for a message, unique per (trade, sender).
-- Existing rows get NULL, and NULLs never clash in a unique index.

-- AlterTable
ALTER TABLE "trade_chat_messages" ADD COLUMN     "client_message_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "trade_chat_messages_trade_id_sender_id_client_message_id_key" ON "trade_chat_messages"("trade_id", "sender_id", "client_message_id");
