-- CreateTable
CREATE TABLE "parked_events" (
    "consumer" TEXT NOT NULL,
    "stream_id" TEXT NOT NULL,
    "stream_version" INTEGER NOT NULL,
    "event" JSONB NOT NULL,
    "parked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "parked_events_pkey" PRIMARY KEY ("consumer","stream_id","stream_version")
);

-- CreateTable
CREATE TABLE "outbox_offsets" (
    "group_id" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_offsets_pkey" PRIMARY KEY ("group_id")
);

-- CreateIndex
CREATE INDEX "parked_events_consumer_parked_at_idx" ON "parked_events"("consumer", "parked_at");
