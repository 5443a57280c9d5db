#!/usr/bin/env bash
# `npm run chaos` (and the last step of `npm test`): the fault-injection run of tools/chaos/chaos.ts.
# It needs a PostgreSQL server (DATABASE_URL, else tools/scripts/postgres.sh makes sure one answers)
# and starts its OWN Kafka broker on free ports with its own state directory (.cache/chaos-kafka),
# which it stops and starts during the run and stops at the end; a broker on 19092 is never touched.
# Arguments go to chaos.ts (`--write-docs` writes the figures to docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/scripts/prepare.mjs
. tools/scripts/services.sh
ensure_postgres
npx tsx tools/chaos/chaos.ts "$@"
