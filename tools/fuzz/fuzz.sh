#!/usr/bin/env bash
# `npm run fuzz`: a long API fuzzing run (tools/fuzz/run.ts) against the whole system on PostgreSQL
# and the project's Kafka broker. What this script starts it stops at the end, like `npm test`
# (KEEP_SERVICES=1 keeps them). Given DATABASE_URL and/or KAFKA_BROKERS, those are used.
#   FUZZ_SECONDS (default 300), FUZZ_RUNS (no default: seconds bound the run), FUZZ_SEED (default random),
#   FUZZ_TRANSPORT (in-process, the default, or kafka: then Kafka is started like PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/scripts/prepare.mjs

started=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "${KEEP_SERVICES:-}" != "1" ]; then
    for service in "${started[@]}"; do
      case "$service" in
        kafka) bash tools/kafka/kafka.sh stop >&2 || true ;;
        postgres) bash tools/scripts/postgres.sh stop >&2 || true ;;
      esac
    done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${DATABASE_URL:-}" ]; then
  bash tools/scripts/postgres.sh status >/dev/null 2>&1 || started+=(postgres)
  eval "export $(bash tools/scripts/postgres.sh | grep '^DATABASE_URL=')"
fi
if [ "${FUZZ_TRANSPORT:-}" = "kafka" ] && [ -z "${KAFKA_BROKERS:-}" ]; then
  bash tools/kafka/kafka.sh status >/dev/null 2>&1 || started+=(kafka)
  eval "export $(bash tools/kafka/kafka.sh start | grep '^KAFKA_BROKERS=')"
fi
npx tsx tools/fuzz/run.ts
