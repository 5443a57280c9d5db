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

. tools/scripts/services.sh

node tools/scripts/prepare.mjs

ensure_postgres
ensure_kafka
echo "PostgreSQL: $DATABASE_URL  Kafka: $KAFKA_BROKERS"

npx tsc -p tsconfig.json --noEmit
# Lint errors only (module boundaries among them: the project graph is computed first, or the
# boundary rule would be skipped); warnings are for `npm run lint`.
npm run --silent lint -- --quiet
npx jest --ci --maxWorkers=2 "$@"
# After every jest suite, so that stopping a broker never disturbs them: the fault-injection run on
# its own broker and databases (tools/chaos; a few minutes). CHAOS=0 skips it, e.g. for a focused run.
if [ "${CHAOS:-1}" != "0" ]; then bash tools/chaos/chaos.sh; fi
