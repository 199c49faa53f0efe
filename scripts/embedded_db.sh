#!/usr/bin/env bash
# The embedded database: FerretDB 2 (the MongoDB protocol) over PostgreSQL 18 with the DocumentDB extension.
#   scripts/embedded_db.sh install  build what is missing (a Debian sid chroot with postgresql-18-documentdb, FerretDB 2)
#   scripts/embedded_db.sh start    install, then start PostgreSQL and FerretDB (idempotent: a running instance is kept)
#   scripts/embedded_db.sh stop     stop exactly what `start` started: FerretDB, PostgreSQL, the chroot's /proc (data kept)
#   scripts/embedded_db.sh status   say what runs
#
# Debian bookworm does not package DocumentDB; sid does. The sid system is installed once, the Debian way, into
# .tools/documentdb-sid. Each instance gets its own copy of that system made of hard links (instant, no extra space)
# under its data directory, so PostgreSQL, which runs chrooted as the sid system's postgres user, keeps its cluster
# under the instance's data directory and nothing of the host is mounted into the tree (only a fresh proc file system).
#
# One instance per set of these (all optional), so tests can run a private instance beside the platform's:
#   EMBEDDED_DB_PORT    MongoDB protocol port on 127.0.0.1 (27017)
#   EMBEDDED_PG_PORT    PostgreSQL port on 127.0.0.1 (5433)
#   EMBEDDED_DB_DATA    data directory (.data/embedded-db): the chroot copy with the cluster, FerretDB's state
#   EMBEDDED_DB_RUN     pid and log directory (.run/embedded-db)
#   EMBEDDED_DB_DEBUG_ADDR  FerretDB's metrics address (127.0.0.1:8088 for port 27017, none otherwise)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/log_rotation.sh
source "$ROOT/scripts/log_rotation.sh"

TOOLS="${EMBEDDED_DB_TOOLS:-$ROOT/.tools}"
SID="$TOOLS/documentdb-sid"
SID_MIRROR="${DEBIAN_SID_MIRROR:-http://deb.debian.org/debian}"
PG_PACKAGES=(postgresql-18-documentdb postgresql-18-cron)
FERRETDB_VERSION="v2.7.0"
FERRETDB="$TOOLS/ferretdb-$FERRETDB_VERSION"

DB_PORT="${EMBEDDED_DB_PORT:-27017}"
PG_PORT="${EMBEDDED_PG_PORT:-5433}"
DATA="$(realpath -m "${EMBEDDED_DB_DATA:-$ROOT/.data/embedded-db}")"
RUN="$(realpath -m "${EMBEDDED_DB_RUN:-$ROOT/.run/embedded-db}")"
if [[ $DB_PORT == 27017 ]]; then DEBUG_ADDR="${EMBEDDED_DB_DEBUG_ADDR-127.0.0.1:8088}"; else DEBUG_ADDR="${EMBEDDED_DB_DEBUG_ADDR-}"; fi

INSTANCE="$DATA/root"                         # this instance's copy of the sid system
PGDATA_IN=/var/lib/postgresql/embedded        # the cluster, as seen inside the chroot
PGLOG_IN=/var/lib/postgresql/log/postgresql.log
PGBIN_IN=/usr/lib/postgresql/18/bin
FERRETDB_PID="$RUN/ferretdb.pid"
FERRETDB_LOG="$RUN/ferretdb.log"
URL_FILE="$DATA/postgresql-url"               # FerretDB's connection URL with the password (mode 600, never logged)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# in_chroot USER COMMAND...: run in this instance's sid system with a clean environment.
in_chroot() {
  local user=$1 ids
  shift
  ids=$(awk -F: -v u="$user" '$1 == u { print $3 ":" $4 }' "$INSTANCE/etc/passwd")
  chroot --userspec="$ids" "$INSTANCE" /usr/bin/env -i HOME=/var/lib/postgresql LANG=C.UTF-8 \
    PATH="$PGBIN_IN:/usr/sbin:/usr/bin:/sbin:/bin" "$@"
}

# ---------------------------------------------------------------- install
# The sid system is built in a scratch directory and renamed into place once complete, so a stamp-less
# half-install is never used; a second run finds the stamp and does nothing.
install_sid() {
  [[ -f $SID/.installed ]] && return
  command -v debootstrap >/dev/null || {
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  local work="$SID.partial"
  if mountpoint -q "$work/proc" 2>/dev/null; then umount "$work/proc"; fi
  rm -rf "$work"
  mkdir -p "$TOOLS" "$RUN"
  say "installing a Debian sid system with ${PG_PACKAGES[*]} into $SID (a few minutes, ~1 GB)"
  debootstrap --variant=minbase sid "$work" "$SID_MIRROR" >"$RUN/debootstrap.log" 2>&1 \
    || { tail -20 "$RUN/debootstrap.log" >&2; return 1; }
  printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"  # packages start no daemons
  chmod +x "$work/usr/sbin/policy-rc.d"
  mount -t proc proc "$work/proc"                                 # postgresql-common's scripts need it
  trap 'umount "$SID.partial/proc" 2>/dev/null || true' EXIT
  local apt=(apt-get -o Acquire::Check-Valid-Until=false -y -qq --no-install-recommends)  # sid's Release may be past its date
  local env=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8)
  {
    chroot "$work" "${env[@]}" "${apt[@]}" update &&
      chroot "$work" "${env[@]}" "${apt[@]}" install postgresql-common &&
      sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' "$work/etc/postgresql-common/createcluster.conf" &&
      chroot "$work" "${env[@]}" "${apt[@]}" install "${PG_PACKAGES[@]}" &&
      chroot "$work" "${env[@]}" apt-get clean
  } >"$RUN/sid-apt.log" 2>&1 || { tail -30 "$RUN/sid-apt.log" >&2; return 1; }
  umount "$work/proc"
  trap - EXIT
  chroot "$work" dpkg-query -W "${PG_PACKAGES[@]}" postgresql-18 >"$work/.installed"
  mv "$work" "$SID"
}

# FerretDB 2 from the Go module proxy; its version file is normally written by its own task runner.
install_ferretdb() {
  [[ -x $FERRETDB ]] && return
  say "building FerretDB $FERRETDB_VERSION from the Go module proxy"
  local dir src
  dir=$(go mod download -json "github.com/FerretDB/FerretDB/v2@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  src=$(mktemp -d)
  cp -r "$dir/." "$src" && chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && go build -o "$FERRETDB.partial" ./cmd/ferretdb)
  rm -rf "$src"
  mv "$FERRETDB.partial" "$FERRETDB"
}

install_all() {
  install_sid
  install_ferretdb
}

# ---------------------------------------------------------------- the instance
# This instance's copy of the sid system: hard links to the installed files, directories of its own.
make_instance() {
  [[ -f $INSTANCE/.installed ]] && return
  mkdir -p "$DATA"
  rm -rf "$INSTANCE.partial"
  cp -al "$SID" "$INSTANCE.partial"
  mv "$INSTANCE.partial" "$INSTANCE"
}

mount_proc() { mountpoint -q "$INSTANCE/proc" || mount -t proc proc "$INSTANCE/proc"; }
unmount_proc() { if mountpoint -q "$INSTANCE/proc" 2>/dev/null; then umount "$INSTANCE/proc"; fi; }

# A new cluster: UTF-8; password login over TCP (FerretDB's); trust on the Unix socket, whose directory only the
# chroot's postgres user may enter: DocumentDB and pg_cron connect back to the server through it.
init_cluster() {
  [[ -f $INSTANCE$PGDATA_IN/PG_VERSION ]] && return
  say "creating the PostgreSQL cluster in $INSTANCE$PGDATA_IN"
  local password
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  rm -rf "${INSTANCE:?}$PGDATA_IN"
  local dir
  for dir in "$INSTANCE/var/lib/postgresql/socket" "$INSTANCE/var/lib/postgresql/log"; do
    mkdir -p "$dir" && chmod 700 "$dir" && chown --reference="$INSTANCE/var/lib/postgresql" "$dir"
  done
  (umask 077 && printf '%s\n' "$password" >"$INSTANCE/var/lib/postgresql/.pwfile")
  chown --reference="$INSTANCE/var/lib/postgresql" "$INSTANCE/var/lib/postgresql/.pwfile"
  in_chroot postgres initdb -D "$PGDATA_IN" -E UTF8 --locale=C.UTF-8 -U postgres \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile=/var/lib/postgresql/.pwfile >"$RUN/initdb.log" 2>&1 \
    || { rm -f "$INSTANCE/var/lib/postgresql/.pwfile"; tail -20 "$RUN/initdb.log" >&2; return 1; }
  rm -f "$INSTANCE/var/lib/postgresql/.pwfile"
  (umask 077 && printf 'postgres://postgres:%s@127.0.0.1:%s/postgres\n' "$password" "$PG_PORT" >"$URL_FILE")
}

# The server's settings, rewritten at each start so a changed script applies to existing clusters
# (postgresql.conf includes them, last); the port is given on the command line.
write_settings() {
  local conf="$INSTANCE$PGDATA_IN/postgresql.conf"
  grep -q "^include = 'embedded.conf'" "$conf" ||
    printf "\ninclude = 'embedded.conf'  # written by scripts/embedded_db.sh at each start\n" >>"$conf"
  cat >"$INSTANCE$PGDATA_IN/embedded.conf" <<'CONF'
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/lib/postgresql/socket'
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
cron.host = '/var/lib/postgresql/socket'
documentdb.localhost_connection_string = 'host=/var/lib/postgresql/socket'
dynamic_shared_memory_type = mmap
# Writes racing for one key of a unique index (DocumentDB: an exclusion constraint) can deadlock;
# find it in 0.1 s instead of 1 s so that the refused write is retried soon (common.deadlocks).
deadlock_timeout = '100ms'
CONF
}

pg_running() { [[ -f $INSTANCE$PGDATA_IN/PG_VERSION ]] && in_chroot postgres pg_ctl -D "$PGDATA_IN" status >/dev/null 2>&1; }

start_postgres() {
  if pg_running; then return; fi
  if port_open "$PG_PORT"; then
    echo "port $PG_PORT is taken by another program; set EMBEDDED_PG_PORT" >&2
    return 1
  fi
  write_settings
  rotate_log "$INSTANCE$PGLOG_IN"
  # pg_ctl starts the server in a session of its own, its output to the log file (never to our caller's pipe).
  in_chroot postgres pg_ctl -D "$PGDATA_IN" -l "$PGLOG_IN" -o "-p $PG_PORT" -w -t 120 start \
    </dev/null >"$RUN/pg_ctl.log" 2>&1 || { cat "$RUN/pg_ctl.log" "$INSTANCE$PGLOG_IN" >&2; return 1; }
  in_chroot postgres psql -X -q -h /var/lib/postgresql/socket -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 \
    -c 'CREATE EXTENSION IF NOT EXISTS documentdb CASCADE' </dev/null >>"$RUN/pg_ctl.log" 2>&1 \
    || { cat "$RUN/pg_ctl.log" >&2; return 1; }
}

ferretdb_running() {
  [[ -f $FERRETDB_PID ]] || return 1
  local pid
  pid=$(cat "$FERRETDB_PID")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--listen-addr=127.0.0.1:$DB_PORT"
}

start_ferretdb() {
  if ferretdb_running; then return; fi
  if port_open "$DB_PORT"; then
    echo "port $DB_PORT is taken by another program; set EMBEDDED_DB_PORT" >&2
    return 1
  fi
  mkdir -p "$DATA/ferretdb"
  sed -i "s/@127.0.0.1:[0-9]*\//@127.0.0.1:$PG_PORT\//" "$URL_FILE"  # the port of this start
  rotate_log "$FERRETDB_LOG"
  # Detached: a session of its own, no terminal, output to its log; the pid is recorded for `stop`.
  setsid "$FERRETDB" --postgresql-url-file="$URL_FILE" --listen-addr="127.0.0.1:$DB_PORT" \
    --debug-addr="$DEBUG_ADDR" --state-dir="$DATA/ferretdb" --no-auth --telemetry=disable --log-level=warn \
    </dev/null >"$FERRETDB_LOG" 2>&1 &
  echo $! >"$FERRETDB_PID"
  local start=$SECONDS
  until ping_once; do
    if ! ferretdb_running || ((SECONDS - start > 60)); then
      echo "FerretDB did not start; see $FERRETDB_LOG" >&2
      tail -20 "$FERRETDB_LOG" >&2
      return 1
    fi
    sleep 0.5
  done
}

# A MongoDB ping through FerretDB down to PostgreSQL (without the project's Python yet: the port answering).
ping_once() {
  local py="$ROOT/.venv/bin/python"
  [[ -x $py ]] || { port_open "$DB_PORT"; return; }
  "$py" - "$DB_PORT" <<'PY' >/dev/null 2>&1
import sys
from pymongo import MongoClient
MongoClient(port=int(sys.argv[1]), serverSelectionTimeoutMS=2000).admin.command("ping")
PY
}

# FerretDB's startup warnings about its storage (it expects its own DocumentDB build), said at each start.
storage_warnings() {
  local py="$ROOT/.venv/bin/python"
  [[ -x $py ]] || return 0
  "$py" - "$DB_PORT" <<'PY' 2>/dev/null || true
import json, sys
from pymongo import MongoClient
log = MongoClient(port=int(sys.argv[1]), serverSelectionTimeoutMS=5000).admin.command("getLog", "startupWarnings")
for line in log["log"]:
    message = json.loads(line)["msg"]
    if "DocumentDB" in message and "requires" in message:
        print(f"warning (FerretDB): {message}")
PY
}

start() {
  mkdir -p "$RUN"
  install_all
  make_instance
  mount_proc
  init_cluster
  start_postgres
  start_ferretdb
  storage_warnings
  say "embedded database on mongodb://127.0.0.1:$DB_PORT/ (FerretDB $FERRETDB_VERSION, PostgreSQL on 127.0.0.1:$PG_PORT, data in $DATA)"
}

stop() {
  if ferretdb_running; then
    local pid i
    pid=$(cat "$FERRETDB_PID")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped FerretDB"
  fi
  rm -f "$FERRETDB_PID"
  if pg_running; then
    in_chroot postgres pg_ctl -D "$PGDATA_IN" -m fast -w -t 60 stop </dev/null >>"$RUN/pg_ctl.log" 2>&1
    echo "stopped PostgreSQL"
  fi
  unmount_proc
}

status() {
  if ferretdb_running; then echo "ferretdb: running (pid $(cat "$FERRETDB_PID"), port $DB_PORT)"; else echo "ferretdb: not running"; fi
  if pg_running; then echo "postgresql: running (port $PG_PORT)"; else echo "postgresql: not running"; fi
}

case "${1:-}" in
  install) install_all ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
