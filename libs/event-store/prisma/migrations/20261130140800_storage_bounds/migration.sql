-- Bounded storage (review finding M8): held keys that expire, and stream snapshots.

-- AlterTable: when the state holding a key stops needing it (an open ceremony session's expiry).
ALTER TABLE "unique_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3);

-- CreateTable: the latest snapshot of a stream's state (json keeps it exactly as written).
CREATE TABLE "snapshots" (
    "stream_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "schema_version" INTEGER NOT NULL,
    "state" JSON NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("stream_id")
);

-- CreateIndex: the session sweeper's lookup (expired keys of a scope, oldest first).
CREATE INDEX "unique_keys_scope_expires_at_idx" ON "unique_keys"("scope", "expires_at");

-- Backfill: sessions opened before keys carried an expiry get the one their opening event named
-- (the started events of every ceremony carry `sessionId` and `expiresDtm`), so they are swept too.
UPDATE "unique_keys" u SET "expires_at" = (e."data"->>'expiresDtm')::timestamptz
FROM "events" e
WHERE u."expires_at" IS NULL
  AND e."stream_id" = u."stream_id"
  AND e."data"->>'sessionId' = u."key"
  AND e."data" ? 'expiresDtm';
