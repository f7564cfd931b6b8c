-- Disputes: when a trade became DISPUTED (an admin may read its chat as mediator from then on, and
-- the Disputes list finds it), and the audit trail of what mediators did in its room.

-- CreateEnum
CREATE TYPE "DisputeAuditAction" AS ENUM ('JOIN', 'READ', 'POST', 'RESOLVE');

-- AlterTable
ALTER TABLE "trades" ADD COLUMN     "disputed_at" TIMESTAMPTZ(3);

-- Backfill: a trade that is DISPUTED now became so at its last change (DISPUTED had no way out).
UPDATE "trades" SET "disputed_at" = "updated_at" WHERE "status" = 'DISPUTED';

-- CreateTable
CREATE TABLE "dispute_audit" (
    "id" SERIAL NOT NULL,
    "trade_id" UUID NOT NULL,
    "actor_id" TEXT NOT NULL,
    "action" "DisputeAuditAction" NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" JSONB NOT NULL,

    CONSTRAINT "dispute_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "trades_disputed_at_idx" ON "trades"("disputed_at");

-- CreateIndex
CREATE INDEX "dispute_audit_trade_id_id_idx" ON "dispute_audit"("trade_id", "id");

-- AddForeignKey: no cascade, so an audited trade cannot be deleted with its trail.
ALTER TABLE "dispute_audit" ADD CONSTRAINT "dispute_audit_trade_id_fkey" FOREIGN KEY ("trade_id") REFERENCES "trades"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
