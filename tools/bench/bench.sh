#!/usr/bin/env bash
# `npm run bench`: PostgreSQL (machine or embedded) and the project's Kafka broker, then the benchmark
# (tools/bench/bench.ts) on three layouts: embedded (in-process transport) and Kafka transport, both
# run inside bench.ts, and distributed — every app its own process, started here with
# tools/scripts/distributed.sh on ports 18080-18089 and its own databases, stopped and dropped after.
# BENCH_LAYOUTS picks layouts (default in-process,kafka,distributed).
set -euo pipefail
cd "$(dirname "$0")/../.."
node tools/scripts/prepare.mjs
# What this run starts (Kafka, PostgreSQL) it stops at the end; what was running is left alone.
. tools/scripts/services.sh
ensure_postgres
ensure_kafka
export BENCH_LAYOUTS="${BENCH_LAYOUTS:-in-process,kafka,distributed}"

dist_pid=""
prefix="bench_dist_$(date +%s)"
stop_distributed() {
  [ -n "$dist_pid" ] || return 0
  kill -TERM "$dist_pid" 2>/dev/null || true # (SIGINT is ignored by background jobs)
  wait "$dist_pid" 2>/dev/null || true
  for db in $(psql "$DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${prefix}_%'"); do
    psql "$DATABASE_URL" -qc "DROP DATABASE \"$db\" WITH (FORCE)" || true
  done
}
on_exit stop_distributed

if [[ ",$BENCH_LAYOUTS," == *",distributed,"* ]]; then
  export BENCH_ADMIN_API_KEY="isk_admin_$(node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))')"
  # BENCH_AUDIT_URL: the audit's admin listener (18083 + ADMIN_PORT_OFFSET 1000), where /metrics is.
  export BENCH_GATEWAY_URL="http://127.0.0.1:18080" BENCH_AUDIT_URL="http://127.0.0.1:19083"
  mkdir -p .cache
  ADMIN_API_KEY="$BENCH_ADMIN_API_KEY" SECRETS_KEY="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))')" \
    DATABASE_PREFIX="$prefix" LOG_LEVEL=error AUDIT_CONSUMER_GROUP="$prefix-audit" AUDIT_FROM_BEGINNING=false \
    PORT=18080 IDENTITY_PORT=18081 TOTP_PORT=18082 AUDIT_PORT=18083 PASSCODE_PORT=18084 PASSKEY_PORT=18085 APPKEY_PORT=18086 BIOMETRIC_PORT=18087 ADMIN_PORT_OFFSET=1000 \
    bash tools/scripts/distributed.sh >.cache/bench-distributed.log 2>&1 &
  dist_pid=$!
  for _ in $(seq 1 180); do
    curl -fsS -o /dev/null "$BENCH_GATEWAY_URL/readyz" 2>/dev/null && break
    kill -0 "$dist_pid" 2>/dev/null || { echo "bench: the distributed layout did not start; see .cache/bench-distributed.log" >&2; exit 1; }
    sleep 1
  done
fi
npx tsx tools/bench/bench.ts
