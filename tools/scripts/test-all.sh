#!/usr/bin/env bash
# `npm test`: starts what the suites need (PostgreSQL if not running, a real Kafka broker from the
# project's own script), then runs every suite: unit, integration (real PostgreSQL and Kafka), e2e.
#
# What this run starts, it stops when it ends (passing, failing or interrupted): the Kafka broker
# if none of ours was running, and PostgreSQL if none answered. A broker or server that was already
# running is left as it was. To keep them between runs (faster local iterations):
#   KEEP_SERVICES=1 npm test      then stop them with: npm run kafka:stop
# Given KAFKA_BROKERS and/or DATABASE_URL, the suites use those and nothing is started for them.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mkdir -p .cache

started=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ "${KEEP_SERVICES:-}" = "1" ] && [ ${#started[@]} -gt 0 ]; then
    echo "test-all: keeping ${started[*]} running (KEEP_SERVICES=1); stop Kafka with: npm run kafka:stop" >&2
  else
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

node tools/scripts/prepare.mjs

if [ -z "${DATABASE_URL:-}" ]; then
  bash tools/scripts/postgres.sh status >/dev/null 2>&1 || started+=(postgres)
  eval "export $(bash tools/scripts/postgres.sh | grep '^DATABASE_URL=')"
fi
if [ -z "${KAFKA_BROKERS:-}" ]; then
  bash tools/kafka/kafka.sh status >/dev/null 2>&1 || started+=(kafka)
  eval "export $(bash tools/kafka/kafka.sh start | grep '^KAFKA_BROKERS=')"
fi
echo "PostgreSQL: $DATABASE_URL  Kafka: $KAFKA_BROKERS"

npx tsc -p tsconfig.json --noEmit
npx jest --ci --maxWorkers=2 "$@"
# After every jest suite, so that stopping a broker never disturbs them: the fault-injection run on
# its own broker and databases (tools/chaos; a few minutes). CHAOS=0 skips it, e.g. for a focused run.
if [ "${CHAOS:-1}" != "0" ]; then bash tools/chaos/chaos.sh; fi
