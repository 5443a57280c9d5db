#!/usr/bin/env bash
# `npm test`: starts what the suites need (PostgreSQL if not running, a real Kafka broker from the
# project's own script), then runs every suite: unit, integration (real PostgreSQL and Kafka), e2e.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mkdir -p .cache

node tools/scripts/prepare.mjs
eval "export $(bash tools/scripts/postgres.sh | grep '^DATABASE_URL=')"
eval "export $(bash tools/kafka/kafka.sh start | grep '^KAFKA_BROKERS=')"
echo "PostgreSQL: $DATABASE_URL  Kafka: $KAFKA_BROKERS"

npx tsc -p tsconfig.json --noEmit
npx jest --ci --maxWorkers=2 "$@"
