#!/usr/bin/env bash
# `npm run bench`: PostgreSQL (machine or embedded) and the project's Kafka broker, then the benchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/scripts/prepare.mjs
eval "export $(bash tools/scripts/postgres.sh | grep '^DATABASE_URL=')"
[ -n "${KAFKA_BROKERS:-}" ] || eval "export $(bash tools/kafka/kafka.sh start | grep '^KAFKA_BROKERS=')"
exec npx tsx tools/bench/bench.ts
