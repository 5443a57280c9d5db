#!/usr/bin/env bash
# `npm run start:distributed`: the distributed layout on this machine. Every app is its own process
# (the same code the Docker image runs): identity, totp, passcode, passkey, appkey, biometric, audit and the gateway, talking over HTTP
# and a real Kafka broker, each with its own database on one PostgreSQL server.
#
#   Kafka       tools/kafka/kafka.sh start (or KAFKA_BROKERS when set); left running on exit
#   PostgreSQL  tools/scripts/postgres.sh (or DATABASE_URL when set: a server URL); left running
#   databases   identity_store_<service> on that server (DATABASE_PREFIX changes the prefix),
#               created and migrated by each service
#   secrets     ADMIN_API_KEY, SECRETS_KEY, JWT_SECRET, GATEWAY_SIGNING_KEY/GATEWAY_VERIFY_KEY
#               (Ed25519, the gateway's grants) and INTERNAL_TOKEN_KEY (service tokens) from the
#               environment, else from .cache/distributed/secrets.env (generated on the first run,
#               mode 0600; a missing one is added). Each app gets only the keys it needs.
#   logs        .cache/distributed/<app>.log
#
# Environment: PORT (gateway, default 8080), IDENTITY_PORT/TOTP_PORT/AUDIT_PORT/PASSCODE_PORT/PASSKEY_PORT
# (8081-8085), ADMIN_PORT_OFFSET (each app's admin listener — /metrics, detailed /readyz, the audit's
# POST /admin/projections/rebuild — on its port + this, default 1000), LOG_LEVEL, START_TIMEOUT
# (seconds, default 120). Every listener is on 127.0.0.1 only.
# Ctrl-C stops every app this script started.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
state="$root/.cache/distributed"
mkdir -p "$state"

say() { echo "distributed: $*" >&2; }

# ------------------------------------------------------------------------------------ secrets
secrets_file="$state/secrets.env"
(umask 077 && touch "$secrets_file")
from_file() { sed -n "s/^$1=//p" "$secrets_file" | tail -n 1; }
# Adds the secrets the file lacks (files of older runs had only ADMIN_API_KEY and SECRETS_KEY).
missing="$(for name in ADMIN_API_KEY SECRETS_KEY JWT_SECRET GATEWAY_SIGNING_KEY INTERNAL_TOKEN_KEY; do
  [ -n "$(from_file "$name")" ] || echo "$name"
done)"
if [ -n "$missing" ]; then
  say "generating $(echo $missing) into $secrets_file"
  MISSING="$missing" node -e '
    const { generateKeyPairSync, randomBytes } = require("node:crypto");
    const hex = (n) => randomBytes(n).toString("hex");
    const make = {
      ADMIN_API_KEY: () => `isk_admin_${randomBytes(32).toString("base64url")}`,
      SECRETS_KEY: () => hex(32),
      JWT_SECRET: () => hex(32),
      INTERNAL_TOKEN_KEY: () => hex(32),
      GATEWAY_SIGNING_KEY: () => {
        const { privateKey, publicKey } = generateKeyPairSync("ed25519");
        return `${privateKey.export({ format: "der", type: "pkcs8" }).toString("base64")}
GATEWAY_VERIFY_KEY=${publicKey.export({ format: "der", type: "spki" }).toString("base64")}`;
      },
    };
    for (const name of process.env.MISSING.split("\n")) process.stdout.write(`${name}=${make[name]()}\n`);' >>"$secrets_file"
fi
admin_from_env="${ADMIN_API_KEY:+yes}"
ADMIN_API_KEY="${ADMIN_API_KEY:-$(from_file ADMIN_API_KEY)}"
SECRETS_KEY="${SECRETS_KEY:-$(from_file SECRETS_KEY)}"
JWT_SECRET="${JWT_SECRET:-$(from_file JWT_SECRET)}"
INTERNAL_TOKEN_KEY="${INTERNAL_TOKEN_KEY:-$(from_file INTERNAL_TOKEN_KEY)}"
if [ -z "${GATEWAY_SIGNING_KEY:-}" ]; then
  GATEWAY_SIGNING_KEY="$(from_file GATEWAY_SIGNING_KEY)"
  GATEWAY_VERIFY_KEY="$(from_file GATEWAY_VERIFY_KEY)"
fi
for name in ADMIN_API_KEY SECRETS_KEY JWT_SECRET GATEWAY_SIGNING_KEY GATEWAY_VERIFY_KEY INTERNAL_TOKEN_KEY; do
  [ -n "${!name:-}" ] || { say "ERROR: no $name (environment or $secrets_file)"; exit 1; }
done

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
appkey_port="${APPKEY_PORT:-8086}"
biometric_port="${BIOMETRIC_PORT:-8087}"
identity_url="http://127.0.0.1:$identity_port"
totp_url="http://127.0.0.1:$totp_port"
audit_url="http://127.0.0.1:$audit_port"
passcode_url="http://127.0.0.1:$passcode_port"
passkey_url="http://127.0.0.1:$passkey_port"
appkey_url="http://127.0.0.1:$appkey_port"
biometric_url="http://127.0.0.1:$biometric_port"
gateway_url="http://127.0.0.1:$gateway_port"
admin_offset="${ADMIN_PORT_OFFSET:-1000}"
admin_port() { echo $(($1 + admin_offset)); }

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

# What a service trusts: the gateway's grants (public key only) and the other services' tokens.
trust=(HOST=127.0.0.1 GATEWAY_VERIFY_KEY="$GATEWAY_VERIFY_KEY" INTERNAL_TOKEN_KEY="$INTERNAL_TOKEN_KEY")
start_app identity PORT="$identity_port" ADMIN_PORT="$(admin_port "$identity_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url identity)" SECRETS_KEY="$SECRETS_KEY" AUDIT_URL="$audit_url"
start_app totp PORT="$totp_port" ADMIN_PORT="$(admin_port "$totp_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url totp)" SECRETS_KEY="$SECRETS_KEY" IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app passcode PORT="$passcode_port" ADMIN_PORT="$(admin_port "$passcode_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url passcode)" SECRETS_KEY="$SECRETS_KEY" IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app passkey PORT="$passkey_port" ADMIN_PORT="$(admin_port "$passkey_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url passkey)" IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app appkey PORT="$appkey_port" ADMIN_PORT="$(admin_port "$appkey_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url appkey)" SECRETS_KEY="$SECRETS_KEY" IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app biometric PORT="$biometric_port" ADMIN_PORT="$(admin_port "$biometric_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url biometric)" SECRETS_KEY="$SECRETS_KEY" IDENTITY_URL="$identity_url" AUDIT_URL="$audit_url"
start_app audit PORT="$audit_port" ADMIN_PORT="$(admin_port "$audit_port")" "${trust[@]}" \
  DATABASE_URL="$(database_url audit)" IDENTITY_URL="$identity_url"
# The gateway signs grants and tokens: its own keys, not SECRETS_KEY (the key of secrets at rest).
gateway_env=(PORT="$gateway_port" ADMIN_PORT="$(admin_port "$gateway_port")" HOST=127.0.0.1
  DATABASE_URL="$(database_url gateway)" ADMIN_API_KEY="$ADMIN_API_KEY" JWT_SECRET="$JWT_SECRET"
  GATEWAY_SIGNING_KEY="$GATEWAY_SIGNING_KEY" IDENTITY_URL="$identity_url" TOTP_URL="$totp_url"
  PASSCODE_URL="$passcode_url" PASSKEY_URL="$passkey_url" APPKEY_URL="$appkey_url" BIOMETRIC_URL="$biometric_url" AUDIT_URL="$audit_url")
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

# The key itself is never printed (this output ends up in logs): only where it is.
if [ -n "$admin_from_env" ]; then admin_shown='(from ADMIN_API_KEY)'; else admin_shown="ADMIN_API_KEY in $secrets_file (mode 0600)"; fi
cat <<EOF

identity-store (distributed) is running at $gateway_url
  API:           $gateway_url/api/identity-store/stores
  Docs:          $gateway_url/api/identity-store/docs
  Admin API key: $admin_shown
  Get a token:   curl -s -X POST -H "X-Api-Key: \$(sed -n 's/^ADMIN_API_KEY=//p' $secrets_file)" $gateway_url/api/arthr/apiKeys/issue
  Services:      identity $identity_url, totp $totp_url, passcode $passcode_url, passkey $passkey_url, appkey $appkey_url, biometric $biometric_url, audit $audit_url
                 (each answers API operations only with the gateway's grant)
  Admin:         each app's port + $admin_offset on 127.0.0.1, e.g. http://127.0.0.1:$(admin_port "$audit_port")/metrics
  Kafka:         $KAFKA_BROKERS
  Logs:          $state/{gateway,identity,totp,passcode,passkey,appkey,biometric,audit}.log
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
