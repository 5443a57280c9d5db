# Sourced by the scripts that need PostgreSQL and Kafka (npm test, bench, fuzz, chaos): makes sure
# they answer, and stops at exit what it started (passing, failing or interrupted). A broker or
# server that was already running is left alone; KEEP_SERVICES=1 keeps what was started. Given
# DATABASE_URL / KAFKA_BROKERS, those are used and nothing is started for them.
#
#   . tools/scripts/services.sh
#   ensure_postgres    exports DATABASE_URL
#   ensure_kafka       exports KAFKA_BROKERS
#
# Sets the EXIT/INT/TERM traps; a script that needs cleanup of its own registers it with
# `on_exit <command>` (run before the services stop, last registered first).
started_services=()
exit_steps=()

on_exit() { exit_steps=("$*" "${exit_steps[@]}"); }

stop_started_services() {
  local status=$?
  trap - EXIT INT TERM
  local step
  for step in "${exit_steps[@]}"; do eval "$step" || true; done
  if [ "${KEEP_SERVICES:-}" = "1" ] && [ ${#started_services[@]} -gt 0 ]; then
    echo "keeping ${started_services[*]} running (KEEP_SERVICES=1); stop Kafka with: npm run kafka:stop" >&2
  else
    local service
    for service in "${started_services[@]}"; do
      case "$service" in
        kafka) bash tools/kafka/kafka.sh stop >&2 || true ;;
        postgres) bash tools/scripts/postgres.sh stop >&2 || true ;;
      esac
    done
  fi
  exit "$status"
}
trap stop_started_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_postgres() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  bash tools/scripts/postgres.sh status >/dev/null 2>&1 || started_services+=(postgres)
  eval "export $(bash tools/scripts/postgres.sh | grep '^DATABASE_URL=')"
}

ensure_kafka() {
  [ -n "${KAFKA_BROKERS:-}" ] && return 0
  bash tools/kafka/kafka.sh status >/dev/null 2>&1 || started_services+=(kafka)
  eval "export $(bash tools/kafka/kafka.sh start | grep '^KAFKA_BROKERS=')"
}
