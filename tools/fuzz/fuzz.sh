#!/usr/bin/env bash
# `npm run fuzz`: a long API fuzzing run (tools/fuzz/run.ts) against the whole system on PostgreSQL
# and the project's Kafka broker. What this script starts it stops at the end, like `npm test`
# (KEEP_SERVICES=1 keeps them). Given DATABASE_URL and/or KAFKA_BROKERS, those are used.
#   FUZZ_SECONDS (default 300), FUZZ_RUNS (no default: seconds bound the run), FUZZ_SEED (default random),
#   FUZZ_TRANSPORT (in-process, the default, or kafka: then Kafka is started like PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/scripts/prepare.mjs

. tools/scripts/services.sh
ensure_postgres
[ "${FUZZ_TRANSPORT:-}" != "kafka" ] || ensure_kafka
npx tsx tools/fuzz/run.ts
