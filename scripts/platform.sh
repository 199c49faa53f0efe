#!/usr/bin/env bash
# Start or stop the whole platform on this machine, on embedded defaults.
#   scripts/platform.sh up     install what is missing, start everything, wait until ready
#   scripts/platform.sh install  only install what is missing
#   scripts/platform.sh down   stop exactly what `up` started (data is kept)
#   scripts/platform.sh status show what is running
#   scripts/platform.sh restart  restart the services and the gateway (new code), not the infrastructure
# Idempotent: a second `up` reuses what is installed and running. Each start keeps the previous
# logs (.run/logs/<name>.log.1 ...); the database is scripts/embedded_db.sh unless MONGO_URI is set.
# Every daemon is started detached: a session of its own, stdin from /dev/null, output to its log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/log_rotation.sh
source "$ROOT/scripts/log_rotation.sh"

TOOLS="$ROOT/.tools"
DATA="$ROOT/.data"
RUN="$ROOT/.run"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

KEYCLOAK_VERSION="26.4.7"
KEYCLOAK_HOME="$TOOLS/keycloak-$KEYCLOAK_VERSION"

export AMQP_URI="${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}"
export MONGO_URI="${MONGO_URI:-mongodb://127.0.0.1:27017/}"
export MONGO_DB_PREFIX="${MONGO_DB_PREFIX:-solidarity_}"
export KEYCLOAK_URL="${KEYCLOAK_URL:-http://127.0.0.1:8080}"
GATEWAY_PORT="${GATEWAY_PORT:-8000}"
SERVICES=(registry assistance solidarity veille reporting audit)
declare -A OPS_PORTS=([registry]=8101 [assistance]=8102 [solidarity]=8103 [veille]=8104 [reporting]=8105 [audit]=8106)

# RabbitMQ runs as this user, with its state under .data/ (not the system node).
export RABBITMQ_NODENAME="rabbit@localhost"
export RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia"
export RABBITMQ_LOG_BASE="$RUN/logs/rabbitmq"
export RABBITMQ_PID_FILE="$RUN/rabbitmq.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$DATA/rabbitmq/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$DATA/rabbitmq/rabbitmq"  # no such file: broker defaults
RABBIT_BIN=/usr/lib/rabbitmq/bin

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

wait_for() {  # wait_for NAME SECONDS COMMAND...
  local name=$1 limit=$2; shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start > limit )); then
      echo "timed out after ${limit}s waiting for $name; see $RUN/logs/" >&2
      return 1
    fi
    sleep 1
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 3 "$1"; }

rabbitmqctl() { HOME="$DATA/rabbitmq" "$RABBIT_BIN/rabbitmqctl" "$@"; }

# ---------------------------------------------------------------- installs
install_debian_packages() {
  local missing=()
  [[ -x $RABBIT_BIN/rabbitmq-server ]] || missing+=(rabbitmq-server)
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v curl >/dev/null || missing+=(curl)
  command -v wrk >/dev/null || missing+=(wrk)
  [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || missing+=(fonts-dejavu-core)  # letters: Arabic glyphs
  if (( ${#missing[@]} )); then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_python() {
  local stamp="$VENV/.installed" want
  want=$(cat constraints.txt libs/common/*/pyproject.toml libs/synthetic/pyproject.toml gateway/pyproject.toml services/*/pyproject.toml \
    requirements-dev.txt | sha256sum | cut -c1-16)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return; fi
  say "installing Python dependencies into .venv"
  [[ -x $PY ]] || python3 -m venv "$VENV"
  local editables=(-e gateway)
  for lib in core contracts nameko aio; do editables+=(-e "libs/common/$lib"); done
  editables+=(-e libs/synthetic)  # generated data for benches, tests and the demo (never in an image)
  for s in "${SERVICES[@]}"; do editables+=(-e "services/$s"); done
  if ! "$PY" -m pip install -c constraints.txt "${editables[@]}" -r requirements-dev.txt \
      >"$RUN/logs/pip.log" 2>&1; then
    tail -30 "$RUN/logs/pip.log" >&2
    return 1
  fi
  echo "$want" > "$stamp"
}

install_keycloak() {
  [[ -x $KEYCLOAK_HOME/bin/kc.sh ]] && return
  say "fetching Keycloak $KEYCLOAK_VERSION from Maven Central"
  mkdir -p "$TOOLS"
  mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
    -DoutputDirectory="$TOOLS"
  (cd "$TOOLS" && unzip -q "keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" && rm "keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip")
}

# ---------------------------------------------------------------- starts
start_rabbitmq() {
  if [[ $AMQP_URI != "amqp://guest:guest@127.0.0.1:5672/" ]]; then return; fi  # another broker was given
  if rabbitmqctl -q status >/dev/null 2>&1; then return; fi
  if port_open 5672; then say "a broker already listens on 5672: using it"; return; fi
  say "starting RabbitMQ"
  mkdir -p "$DATA/rabbitmq" "$RUN/logs/rabbitmq"
  echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  HOME="$DATA/rabbitmq" "$RABBIT_BIN/rabbitmq-server" -detached
  touch "$RUN/rabbitmq.started"
  rabbitmqctl wait "$RABBITMQ_PID_FILE" --timeout 120 >/dev/null
}

declare_topology() {
  # Exchanges, the event queues, the dead-letter queue and policy: before any publish.
  if rabbitmqctl -q status >/dev/null 2>&1; then
    rabbitmqctl -q import_definitions "$ROOT/deploy/rabbitmq/definitions.json" >/dev/null
    # The same topology in a vhost of its own for the service integration tests.
    "$PY" -m common.topology --vhost integration >"$RUN/integration-definitions.json"
    rabbitmqctl -q import_definitions "$RUN/integration-definitions.json" >/dev/null
  else
    echo "warning: not our broker; it must already hold deploy/rabbitmq/definitions.json" >&2
  fi
}

# The embedded database (scripts/embedded_db.sh: FerretDB 2 over PostgreSQL 18 with DocumentDB, data in
# .data/embedded-db, logs in .run/logs/embedded-db), unless MONGO_URI names another database.
embedded_database() { [[ $MONGO_URI == "mongodb://127.0.0.1:27017/" ]]; }

start_database() {
  embedded_database || return 0
  if alive ferretdb; then  # started by an earlier version of this script; `make stop` ends it
    say "FerretDB 1 still serves 27017: make stop, then make run, to move to the embedded database"
    return
  fi
  EMBEDDED_DB_RUN="$RUN/logs/embedded-db" scripts/embedded_db.sh start
}

stop_database() {
  embedded_database || return 0
  EMBEDDED_DB_RUN="$RUN/logs/embedded-db" scripts/embedded_db.sh stop
}

start_keycloak() {
  if alive keycloak || port_open 8080; then
    wait_for "Keycloak realm" 180 http_ok "$KEYCLOAK_URL/realms/solidarity/.well-known/openid-configuration"
    return
  fi
  say "starting Keycloak (realm import from deploy/keycloak)"
  mkdir -p "$KEYCLOAK_HOME/data/import" "$RUN/logs"
  cp deploy/keycloak/*.json "$KEYCLOAK_HOME/data/import/"
  rotate_log "$RUN/logs/keycloak.log"
  KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}" \
  KC_BOOTSTRAP_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}" \
  KC_HEALTH_ENABLED=true \
    setsid "$KEYCLOAK_HOME/bin/kc.sh" start-dev --http-port=8080 --http-host=127.0.0.1 --hostname="$KEYCLOAK_URL" \
    --import-realm \
    </dev/null >"$RUN/logs/keycloak.log" 2>&1 &
  echo $! >"$RUN/keycloak.pid"
  wait_for "Keycloak realm" 240 http_ok "$KEYCLOAK_URL/realms/solidarity/.well-known/openid-configuration"
}

start_prometheus() {
  if alive prometheus || port_open 9090; then return; fi
  say "starting Prometheus"
  mkdir -p "$DATA/prometheus" "$RUN/logs"
  rotate_log "$RUN/logs/prometheus.log"
  setsid prometheus --config.file=deploy/prometheus/prometheus.yml --storage.tsdb.path="$DATA/prometheus" \
    --web.listen-address=127.0.0.1:9090 </dev/null >"$RUN/logs/prometheus.log" 2>&1 &
  echo $! >"$RUN/prometheus.pid"
  wait_for Prometheus 60 http_ok http://127.0.0.1:9090/-/ready
}

start_services() {
  mkdir -p "$RUN/logs"
  for s in "${SERVICES[@]}"; do
    alive "$s" && continue
    say "starting service $s"
    rotate_log "$RUN/logs/$s.log"
    OPS_PORT="${OPS_PORTS[$s]}" setsid "$PY" -m common.run_service "$s" </dev/null >"$RUN/logs/$s.log" 2>&1 &
    echo $! >"$RUN/$s.pid"
  done
  for s in "${SERVICES[@]}"; do
    wait_for "$s" 60 http_ok "http://127.0.0.1:${OPS_PORTS[$s]}/readyz"
  done
}

start_gateway() {
  if ! alive gateway; then
    say "starting the gateway"
    rotate_log "$RUN/logs/gateway.log"
    # The gateway is ready when every service is (a local choice: see READINESS_SERVICES in the README).
    readiness=$(for s in "${SERVICES[@]}"; do printf '%s=http://127.0.0.1:%s/readyz,' "$s" "${OPS_PORTS[$s]}"; done)
    READINESS_SERVICES="${readiness%,}" setsid "$VENV/bin/uvicorn" gateway.main:create_app --factory --host 127.0.0.1 --port "$GATEWAY_PORT" \
      --no-access-log </dev/null >"$RUN/logs/gateway.log" 2>&1 &
    echo $! >"$RUN/gateway.pid"
  fi
  wait_for gateway 60 http_ok "http://127.0.0.1:$GATEWAY_PORT/readyz"
}

seed_demo() {
  if [[ "${SEED_DEMO:-1}" == "0" ]]; then
    say "demo data not seeded (SEED_DEMO=0)"
    return
  fi
  say "seeding demo data (idempotent; SEED_DEMO=0 to skip)"
  "$PY" "$ROOT/scripts/seed_demo.py"
}

install_all() {
  mkdir -p "$TOOLS" "$DATA" "$RUN/logs"
  install_debian_packages
  install_python
  install_keycloak
  if embedded_database; then EMBEDDED_DB_RUN="$RUN/logs/embedded-db" scripts/embedded_db.sh install; fi
}

up() {
  install_all
  start_rabbitmq
  declare_topology
  start_database
  start_keycloak
  start_prometheus
  start_services
  start_gateway
  seed_demo
  cat <<TXT

The platform is up.
  API gateway      http://127.0.0.1:$GATEWAY_PORT/docs  (OpenAPI at /openapi.json)
  Keycloak         $KEYCLOAK_URL/admin  (admin / admin), realm "solidarity"
  Prometheus       http://127.0.0.1:9090
  RabbitMQ         $AMQP_URI
  Database         $MONGO_URI$(embedded_database && echo "  (embedded: FerretDB 2 over PostgreSQL 18 + DocumentDB)")
  Service ops      $(for s in "${SERVICES[@]}"; do printf '%s=:%s ' "$s" "${OPS_PORTS[$s]}"; done)
  Logs             $RUN/logs/
Demo users (password: demo-<username>): national.officer, director.16, director.31, agent.16,
  worker.1601, worker.1602, worker.3101, coordinator.1601, donor.demo, auditor.demo
Stop with: make stop
TXT
}

stop_pid() {
  local name=$1 pid
  alive "$name" || { rm -f "$RUN/$name.pid"; return; }
  pid=$(cat "$RUN/$name.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
  echo "stopped $name"
}

down() {
  stop_pid gateway
  for s in "${SERVICES[@]}"; do stop_pid "$s"; done
  stop_pid prometheus
  stop_pid keycloak
  stop_database
  stop_pid ferretdb  # a FerretDB 1 started by an earlier version of this script
  if [[ -f $RUN/rabbitmq.started ]]; then
    rabbitmqctl -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
    rm -f "$RUN/rabbitmq.started"
    echo "stopped rabbitmq"
  fi
}

restart() {
  stop_pid gateway
  for s in "${SERVICES[@]}"; do stop_pid "$s"; done
  up
}

status() {
  if embedded_database; then EMBEDDED_DB_RUN="$RUN/logs/embedded-db" scripts/embedded_db.sh status; fi
  for name in keycloak prometheus "${SERVICES[@]}" gateway; do
    if alive "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: not running"; fi
  done
  if rabbitmqctl -q status >/dev/null 2>&1; then echo "rabbitmq: running"; else echo "rabbitmq: not running"; fi
}

case "${1:-up}" in
  up) up ;;
  install) install_all ;;
  down) down ;;
  status) status ;;
  restart) restart ;;
  *) echo "usage: $0 up|install|down|restart|status" >&2; exit 2 ;;
esac
