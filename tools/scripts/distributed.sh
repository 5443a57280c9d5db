#!/usr/bin/env bash
# `npm run start:distributed`: the distributed layout on this machine. Every app is its own process
# (the same code the Docker image runs): identity, totp, passcode, passkey, audit and the gateway, talking over HTTP
# and a real Kafka broker, each with its own database on one PostgreSQL server.
#
#   Kafka       tools/kafka/kafka.sh start (or KAFKA_BROKERS when set); left running on exit
#   PostgreSQL  tools/scripts/postgres.sh (or DATABASE_URL when set: a server URL); left running
#   databases   identity_store_<service> on that server (DATABASE_PREFIX changes the prefix),
#               created and migrated by each service
#   secrets     ADMIN_API_KEY and SECRETS_KEY from the environment, else from
#               .cache/distributed/secrets.env (generated on the first run, mode 0600)
#   logs        .cache/distributed/<app>.log
#
# Environment: PORT (gateway, default 8080), IDENTITY_PORT/TOTP_PORT/AUDIT_PORT/PASSCODE_PORT/PASSKEY_PORT
# (8081-8085; the services listen on 127.0.0.1 only), LOG_LEVEL, JWT_SECRET, START_TIMEOUT (seconds,
# default 120).
# Ctrl-C stops every app this script started.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
state="$root/.cache/distributed"
mkdir -p "$state"

say() { echo "distributed: $*" >&2; }

# ------------------------------------------------------------------------------------ secrets
secrets_file="$state/secrets.env"
if [ ! -f "$secrets_file" ]; then
  say "generating ADMIN_API_KEY and SECRETS_KEY into $secrets_file"
  (
    umask 077
    node -e '
      const { randomBytes } = require("node:crypto");
      process.stdout.write(
        `ADMIN_API_KEY=isk_admin_${randomBytes(32).toString("base64url")}\n` +
        `SECRETS_KEY=${randomBytes(32).toString("hex")}\n`);' >"$secrets_file.tmp"
    mv "$secrets_file.tmp" "$secrets_file"
  )
fi
from_file() { sed -n "s/^$1=//p" "$secrets_file" | tail -n 1; }
admin_from_env="${ADMIN_API_KEY:+yes}"
ADMIN_API_KEY="${ADMIN_API_KEY:-$(from_file ADMIN_API_KEY)}"
SECRETS_KEY="${SECRETS_KEY:-$(from_file SECRETS_KEY)}"
[ -n "$ADMIN_API_KEY" ] && [ -n "$SECRETS_KEY" ] || { say "ERROR: $secrets_file lacks ADMIN_API_KEY or SECRETS_KEY"; exit 1; }

# ------------------------------------------------------------------------------ infrastructure
node tools/scripts/prepare.mjs
if [ -z "${KAFKA_BROKERS:-}" ]; then
  KAFKA_BROKERS="$(bash tools/kafka/kafka.sh start | sed -n 's/^KAFKA_BROKERS=//p' | tail -n 1)"
fi
server_url="$(bash tools/scripts/postgres.sh | sed -n 's/^DATABASE_URL=//p' | tail -n 1)"
[ -n "$KAFKA_BROKERS" ] || { say "ERROR: no Kafka broker"; exit 1; }
[ -n "$server_url" ] || { say "ERROR: no PostgreSQL server"; exit 1; }

database_url() { # service -> the server URL with the database <prefix>_<service>
  node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' \
    "$server_url" "${DATABASE_PREFIX:-identity_store}_$1"
}

gateway_port="${PORT:-8080}"
identity_port="${IDENTITY_PORT:-8081}"
totp_port="${TOTP_PORT:-8082}"
audit_port="${AUDIT_PORT:-8083}"
passcode_port="${PASSCODE_PORT:-8084}"
passkey_port="${PASSKEY_PORT:-8085}"
identity_url="http://127.0.0.1:$identity_port"
totp_url="http://127.0.0.1:$totp_port"
audit_url="http://127.0.0.1:$audit_port"
passcode_url="http://127.0.0.1:$passcode_port"
passkey_url="http://127.0.0.1:$passkey_port"
gateway_url="http://127.0.0.1:$gateway_port"

# ------------------------------------------------------------------------------------ the apps
declare -A pids=()

stop_all() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -eq 0 ] && return 0
  say "stopping ${!pids[*]}"
  local app pid i
  # Each app runs in its own session (setsid): its process group id is its pid, and the group
  # holds npx, tsx and node.
  for app in "${!pids[@]}"; do kill -TERM -- "-${pids[$app]}" 2>/dev/null || true; done
  for ((i = 0; i < 150; i++)); do # 15 s for graceful shutdowns
    local alive=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  pids=()
  say "stopped (Kafka and PostgreSQL keep running: npm run kafka:stop)"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

start_app() { # name, then VAR=value... for its environment
  local app="$1"
  shift
  say "starting $app (log $state/$app.log)"
  env "$@" LOG_LEVEL="${LOG_LEVEL:-info}" KAFKA_BROKERS="$KAFKA_BROKERS" \
    setsid npx tsx "apps/$app/src/main.ts" </dev/null >"$state/$app.log" 2>&1 &
  pids[$app]=$!
}

start_app identity PORT="$identity_port" HOST=127.0.0.1 DATABASE_URL="$(database_url identity)" AUDIT_URL="$audit_url"
start_app totp PORT="$totp_port" HOST=127.0.0.1 DATABASE_URL="$(database_url totp)" SECRETS_KEY="$SECRETS_KEY" \
  IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app passcode PORT="$passcode_port" HOST=127.0.0.1 DATABASE_URL="$(database_url passcode)" SECRETS_KEY="$SECRETS_KEY" \
  IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app passkey PORT="$passkey_port" HOST=127.0.0.1 DATABASE_URL="$(database_url passkey)" \
  IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app audit PORT="$audit_port" HOST=127.0.0.1 DATABASE_URL="$(database_url audit)" IDENTITY_URL="$identity_url"
gateway_env=(PORT="$gateway_port" DATABASE_URL="$(database_url gateway)" ADMIN_API_KEY="$ADMIN_API_KEY"
  SECRETS_KEY="$SECRETS_KEY" IDENTITY_URL="$identity_url" TOTP_URL="$totp_url" PASSCODE_URL="$passcode_url"
  PASSKEY_URL="$passkey_url" AUDIT_URL="$audit_url")
[ -n "${JWT_SECRET:-}" ] && gateway_env+=(JWT_SECRET="$JWT_SECRET")
start_app gateway "${gateway_env[@]}"

died() { # the first app that is no longer running, if any
  local app
  for app in "${!pids[@]}"; do
    kill -0 "${pids[$app]}" 2>/dev/null || { echo "$app"; return 0; }
  done
}

# The gateway's /readyz checks its database and every service it proxies to.
deadline=$((SECONDS + ${START_TIMEOUT:-120}))
until curl -fsS -o /dev/null "$gateway_url/readyz" 2>/dev/null; do
  app="$(died)"
  if [ -n "$app" ]; then
    say "ERROR: $app exited during startup; last lines of $state/$app.log:"
    tail -n 40 "$state/$app.log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    say "ERROR: not ready after ${START_TIMEOUT:-120}s ($gateway_url/readyz); see $state/*.log"
    curl -sS "$gateway_url/readyz" >&2 || true
    exit 1
  fi
  sleep 0.5
done

if [ -n "$admin_from_env" ]; then admin_shown='(from ADMIN_API_KEY)'; else admin_shown="$ADMIN_API_KEY  (kept in $secrets_file)"; fi
cat <<EOF

identity-store (distributed) is running at $gateway_url
  API:           $gateway_url/api/identity-store/stores
  Docs:          $gateway_url/api/identity-store/docs
  Admin API key: $admin_shown
  Get a token:   curl -s -X POST -H "X-Api-Key: <key>" $gateway_url/api/arthr/apiKeys/issue
  Services:      identity $identity_url, totp $totp_url, passcode $passcode_url, passkey $passkey_url, audit $audit_url
  Kafka:         $KAFKA_BROKERS
  Logs:          $state/{gateway,identity,totp,passcode,passkey,audit}.log
Press Ctrl-C to stop.
EOF

# Runs until Ctrl-C, or until one app exits (then stops the others).
while true; do
  wait -n "${pids[@]}" 2>/dev/null || true
  app="$(died)"
  if [ -n "$app" ]; then
    say "ERROR: $app exited; last lines of $state/$app.log:"
    tail -n 40 "$state/$app.log" >&2
    exit 1
  fi
done
