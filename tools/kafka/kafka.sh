#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for development,
# integration tests and CI. No Docker: the broker's jars come from Maven Central (tools/kafka/pom.xml)
# and run as Kafka's own bin/kafka-server-start.sh would run them.
#
#   tools/kafka/kafka.sh start    fetch jars once, format storage once, start, wait until ready
#   tools/kafka/kafka.sh stop     SIGTERM, wait, then SIGKILL
#   tools/kafka/kafka.sh status   exit 0 if running and answering, 1 otherwise
#   tools/kafka/kafka.sh wait     wait until a starting broker is ready
#   tools/kafka/kafka.sh logs     print the tail of the broker log
#
# Every command is idempotent and works from any cwd. On success `start`, `status` and `wait` print
#   KAFKA_BROKERS=127.0.0.1:<port>
# (so `eval "$(tools/kafka/kafka.sh start | grep ^KAFKA_BROKERS=)"` exports it).
#
# Environment:
#   KAFKA_PORT             broker (PLAINTEXT) port, default 19092
#   KAFKA_CONTROLLER_PORT  KRaft controller port, default 19093
#   KAFKA_START_TIMEOUT    seconds to wait for readiness, default 120
#   KAFKA_HEAP_OPTS        JVM heap, default "-Xmx512m -Xms256m"
#   KAFKA_CACHE_DIR        state directory, default <repo>/.cache/kafka (git-ignored)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
HOME_DIR="${KAFKA_CACHE_DIR:-$ROOT/.cache/kafka}"
LIBS="$HOME_DIR/libs"
DATA="$HOME_DIR/data"
LOGS="$HOME_DIR/logs"
PROPS="$HOME_DIR/server.properties"
LOG4J="$HOME_DIR/log4j.properties"
PID_FILE="$HOME_DIR/kafka.pid"
LOG_FILE="$LOGS/kafka.log"
HOST=127.0.0.1
BROKERS="$HOST:$KAFKA_PORT"

say() { echo "kafka.sh: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------- checks

port_open() { # port
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Pid of our broker if the pid file names a live kafka.Kafka process; empty otherwise.
broker_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
    echo "$pid"
  fi
}

# The broker serves metadata: a Metadata request (kafkajs admin) lists at least one broker and the
# topics. Without node/kafkajs installed, fall back to the broker's own "started" log line.
metadata_ready() {
  if command -v node >/dev/null 2>&1 && (cd "$ROOT" && node -e "require.resolve('kafkajs')") >/dev/null 2>&1; then
    (cd "$ROOT" && KAFKA_CHECK_BROKERS="$BROKERS" node -e '
      const { Kafka, logLevel } = require("kafkajs");
      const kafka = new Kafka({
        clientId: "kafka-sh-wait", brokers: [process.env.KAFKA_CHECK_BROKERS], logLevel: logLevel.NOTHING,
        connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 0 },
      });
      const admin = kafka.admin({ retry: { retries: 0 } });
      (async () => {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error("metadata lists no broker yet");
        await admin.listTopics();
      })().then(
        async () => { await admin.disconnect().catch(() => {}); process.exit(0); },
        async (e) => { await admin.disconnect().catch(() => {}); process.exit(1); },
      );
      setTimeout(() => process.exit(1), 8000).unref();
    ') >/dev/null 2>&1
  else
    grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null
  fi
}

running() { # our process alive and the broker port answering
  [[ -n "$(broker_pid)" ]] && port_open "$KAFKA_PORT"
}

log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    say "last lines of $LOG_FILE:"
    tail -n "${1:-60}" "$LOG_FILE" >&2
  fi
}

# Waits until the broker accepts connections and serves metadata; fails with the log tail.
wait_ready() {
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) pid
  while true; do
    pid="$(broker_pid)"
    # Right after the start the recorded pid may still be the forked shell that has not exec'd
    # java yet (its command line does not name kafka.Kafka; seen on a loaded machine): alive is
    # enough to keep waiting, the deadline still applies.
    if [[ -z "$pid" ]] && kill -0 "$(cat "$PID_FILE" 2>/dev/null || echo none)" 2>/dev/null; then
      pid="$(cat "$PID_FILE")"
    fi
    if [[ -z "$pid" ]]; then
      log_tail 80
      die "broker process is not running (exited during startup?)"
    fi
    if port_open "$KAFKA_PORT" && metadata_ready; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      log_tail 80
      die "broker pid $pid not ready on $BROKERS after ${KAFKA_START_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------- setup

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }

# Copies the broker classpath into $LIBS once (per pom.xml content); Maven caches it in ~/.m2.
fetch_jars() {
  local want have=""
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  [[ -f "$LIBS/.pom.sha256" ]] && have="$(cat "$LIBS/.pom.sha256")"
  if [[ "$want" == "$have" ]] && compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  need mvn "install Maven, e.g. apt-get install -y maven"
  say "fetching the Kafka broker classpath from Maven Central into $LIBS (first run only)"
  local tmp="$LIBS.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$HOME_DIR/mvn.log" 2>&1; then
    tail -n 40 "$HOME_DIR/mvn.log" >&2
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (full output: $HOME_DIR/mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar after mvn copy-dependencies"
  echo "$want" >"$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

write_config() {
  mkdir -p "$DATA" "$LOGS"
  cat >"$PROPS.tmp" <<EOF
# Written by tools/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA

# Single node: every internal topic has one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
default.replication.factor=1
min.insync.replicas=1

# Tests and local runs: groups join at once, topics appear on first use, nothing expires so a new
# consumer group can replay every topic from the beginning.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=3
log.retention.ms=-1
log.retention.bytes=-1
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
EOF
  mv "$PROPS.tmp" "$PROPS"

  cat >"$LOG4J" <<'EOF'
# Written by tools/kafka/kafka.sh. Everything goes to stdout, which the script sends to logs/kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.zookeeper=WARN
EOF
}

# Formats KRaft storage once (the data dir holds meta.properties afterwards).
format_storage() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  local cid
  cid="$(java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a cluster id (got '$cid')"
  say "formatting KRaft storage in $DATA (cluster id $cid)"
  java -Dlog4j.configuration="file:$LOG4J" -cp "$LIBS/*" kafka.tools.StorageTool format \
    -t "$cid" -c "$PROPS" --ignore-formatted >"$LOGS/format.log" 2>&1 ||
    { tail -n 40 "$LOGS/format.log" >&2; die "kafka-storage format failed (full output: $LOGS/format.log)"; }
}

# ---------------------------------------------------------------------------------------- commands

cmd_start() {
  mkdir -p "$HOME_DIR"
  # One start at a time (parallel callers wait here, then find the broker running).
  exec 9>"$HOME_DIR/.lock"
  flock -w $((KAFKA_START_TIMEOUT + 600)) 9 || die "another kafka.sh start holds $HOME_DIR/.lock"

  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    if port_open "$KAFKA_PORT"; then
      wait_ready
      say "already running (pid $pid) on $BROKERS"
      echo "KAFKA_BROKERS=$BROKERS"
      return 0
    fi
    say "process $pid exists but $BROKERS does not answer yet; waiting"
    wait_ready
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT is taken by a process this script did not start (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  fi

  need java "install a JRE 11+, e.g. apt-get install -y openjdk-17-jre-headless"
  fetch_jars
  write_config
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  format_storage

  say "starting broker on $BROKERS (controller $HOST:$KAFKA_CONTROLLER_PORT), log $LOG_FILE"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several flags
  setsid nohup java $KAFKA_HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOGS" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  echo $! >"$PID_FILE"

  local t0=$SECONDS
  wait_ready
  say "ready after $((SECONDS - t0))s (pid $(cat "$PID_FILE"))"
  echo "KAFKA_BROKERS=$BROKERS"
}

cmd_stop() {
  local pid
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  say "stopping broker pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do # 30 s for a controlled shutdown
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "still alive after 30s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]] && port_open "$KAFKA_PORT"; then
    say "running (pid $pid) on $BROKERS"
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    say "process $pid alive but $BROKERS does not answer"
  else
    say "not running"
  fi
  return 1
}

cmd_wait() {
  [[ -n "$(broker_pid)" ]] || die "not running (use: $0 start)"
  wait_ready
  echo "KAFKA_BROKERS=$BROKERS"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  logs) log_tail "${2:-100}" ;;
  *)
    echo "usage: $0 start|stop|status|wait|logs [lines]" >&2
    exit 2
    ;;
esac
