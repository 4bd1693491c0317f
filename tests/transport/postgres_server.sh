#!/bin/bash
# Starts and stops throwaway PostgreSQL servers for the tests: a primary, and optionally a
# streaming standby that the primary waits for on every commit (synchronous replication), both
# on loopback ports under one scratch directory. PostgreSQL refuses to run as root: when run as
# root, the servers run as the user `nobody` on a directory it owns.
#
#   postgres_server.sh start DIR PORT [STANDBY_PORT]   (DIR must not exist)
#   postgres_server.sh stop DIR                         (stops both, removes DIR)
#   postgres_server.sh restart DIR PORT [STANDBY_PORT]  (stop, then start)
#   postgres_server.sh kill DIR primary|standby         (SIGKILL, as a lost machine)
#   postgres_server.sh promote DIR                      (the standby becomes the primary)
#
# The superuser is esep_admin, trusted on loopback only. ESEP_PG_FSYNC=off trades durability for
# speed in unit tests; the default keeps fsync on.
set -euo pipefail
bin=${ESEP_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$bin/initdb" ] || { echo "postgres_server.sh: no PostgreSQL 15 server in $bin: run tools/deps.sh" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

configure() {  # configure DATA PORT DIR
  cat >>"$1/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$3'
max_connections = 200
wal_level = replica
max_wal_senders = 4
wal_keep_size = 256MB
hot_standby = on
fsync = ${ESEP_PG_FSYNC:-on}
logging_collector = off
CONF
}

wait_ready() {  # wait_ready PORT DIR
  for _ in $(seq 1 300); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.1
  done
  echo "postgres_server.sh: the server on port $1 did not start; its log:" >&2
  tail -20 "$2"/*.log >&2 || true
  return 1
}

start() {
  local dir=$1 port=$2 standby_port=${3:-}
  [ ! -e "$dir" ] || { echo "postgres_server.sh: $dir already exists" >&2; exit 1; }
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown nobody "$dir"
  as_owner "$bin/initdb" -D "$dir/primary" -U esep_admin --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  configure "$dir/primary" "$port" "$dir"
  echo "host replication esep_admin 127.0.0.1/32 trust" | as_owner tee -a "$dir/primary/pg_hba.conf" >/dev/null
  as_owner "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
  wait_ready "$port" "$dir"
  if [ -n "$standby_port" ]; then
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$port" -U esep_admin -D "$dir/standby" \
      -X stream -R -c fast >/dev/null
    # The standby names itself in its connection, so that the primary can wait for it.
    sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=standby1 /" \
      "$dir/standby/postgresql.auto.conf"
    echo "port = $standby_port" | as_owner tee -a "$dir/standby/postgresql.conf" >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w start >/dev/null
    wait_ready "$standby_port" "$dir"
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U esep_admin -d postgres \
      -c "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" -c "SELECT pg_reload_conf()" \
      >/dev/null
    # Wait until the standby is streaming and synchronous.
    for _ in $(seq 1 100); do
      [ "$("$bin/psql" -Atq -h 127.0.0.1 -p "$port" -U esep_admin -d postgres \
        -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && return 0
      sleep 0.1
    done
    echo "postgres_server.sh: the standby did not become synchronous" >&2
    exit 1
  fi
}

stop() {
  local dir=$1 role
  for role in primary standby; do
    [ -f "$dir/$role/postmaster.pid" ] || continue
    as_owner "$bin/pg_ctl" -D "$dir/$role" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
}

kill_server() {
  local pid
  pid=$(head -1 "$1/$2/postmaster.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

promote() {
  local dir=$1
  as_owner "$bin/pg_ctl" -D "$dir/standby" -w promote >/dev/null
  # Alone now: nothing to wait for until a new standby is attached.
  local port
  port=$(sed -n 's/^port = //p' "$dir/standby/postgresql.conf" | tail -1)
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U esep_admin -d postgres \
    -c "ALTER SYSTEM SET synchronous_standby_names = ''" -c "SELECT pg_reload_conf()" >/dev/null
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop "$2" ;;
  restart) stop "$2"; shift; start "$@" ;;
  kill) kill_server "$2" "$3" ;;
  promote) promote "$2" ;;
  *) echo "usage: postgres_server.sh start DIR PORT [STANDBY_PORT] | stop DIR | kill DIR primary|standby | promote DIR" >&2; exit 2 ;;
esac
