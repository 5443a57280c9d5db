#!/usr/bin/env bash
# `npm run chaos` (and the last step of `npm test`): the fault-injection run of tools/chaos/chaos.ts.
# It needs a PostgreSQL server (DATABASE_URL, else tools/scripts/postgres.sh makes sure one answers)
# and starts its OWN Kafka broker on free ports with its own state directory (.cache/chaos-kafka),
# which it stops and starts during the run and stops at the end; a broker on 19092 is never touched.
# Arguments go to chaos.ts (`--write-docs` writes the figures to docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/scripts/prepare.mjs
[ -n "${DATABASE_URL:-}" ] || eval "export $(bash tools/scripts/postgres.sh | grep '^DATABASE_URL=')"
exec npx tsx tools/chaos/chaos.ts "$@"
