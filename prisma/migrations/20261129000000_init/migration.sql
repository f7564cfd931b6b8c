-- CreateEnum
CREATE TYPE "TradeStatus" AS ENUM ('PENDING', 'PAID', 'RELEASED', 'CANCELLED', 'DISPUTED');

-- CreateEnum
CREATE TYPE "TradeRole" AS ENUM ('BUYER', 'SELLER');

-- CreateTable
CREATE TABLE "trades" (
    "id" UUID NOT NULL,
    "buyer_id" TEXT NOT NULL,
    "seller_id" TEXT NOT NULL,
    "amount" DECIMAL(36,18) NOT NULL,
    "asset" TEXT NOT NULL,
    "fiat" TEXT NOT NULL,
    "status" "TradeStatus" NOT NULL DEFAULT 'PENDING',
    "chat_seq" INTEGER NOT NULL DEFAULT 0,
    "last_chat_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "trades_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trade_chat_messages" (
    "id" UUID NOT NULL,
    "trade_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "sender_id" TEXT,
    "message" TEXT NOT NULL,
    "recipient_role" "TradeRole",
    "is_system_message" BOOLEAN NOT NULL DEFAULT false,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "trade_chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "read" BOOLEAN NOT NULL DEFAULT false,
    "read_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source_event_id" TEXT,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "position" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "routing_key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "claimed_until" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("position")
);

-- CreateIndex
CREATE INDEX "trades_buyer_id_idx" ON "trades"("buyer_id");

-- CreateIndex
CREATE INDEX "trades_seller_id_idx" ON "trades"("seller_id");

-- CreateIndex
CREATE INDEX "trade_chat_messages_trade_id_timestamp_idx" ON "trade_chat_messages"("trade_id", "timestamp");

-- CreateIndex
CREATE UNIQUE INDEX "trade_chat_messages_trade_id_seq_key" ON "trade_chat_messages"("trade_id", "seq");

-- CreateIndex
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_source_event_id_user_id_key" ON "notifications"("source_event_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_event_id_key" ON "outbox_events"("event_id");

-- CreateIndex
CREATE INDEX "outbox_events_claimed_until_position_idx" ON "outbox_events"("claimed_until", "position");

-- AddForeignKey
ALTER TABLE "trade_chat_messages" ADD CONSTRAINT "trade_chat_messages_trade_id_fkey" FOREIGN KEY ("trade_id") REFERENCES "trades"("id") ON DELETE CASCADE ON UPDATE CASCADE;

