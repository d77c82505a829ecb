#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the Postgres tests, on 127.0.0.1, in a folder of its own.
#
#   tests/_scripts/postgres_server.sh start DIR   # creates and starts a cluster in DIR (empty or
#                                                 # absent); prints the URL of its test database
#   tests/_scripts/postgres_server.sh stop DIR    # stops it (DIR is left for the caller to remove)
#
# The URL is postgresql://dlt_test:<random password>@127.0.0.1:<free port>/dlt_test: the user owns
# the database and may create roles (the tests make one without privileges). Host connections
# check passwords (scram-sha-256). Where openssl is installed, the server also speaks SSL with a
# self-signed certificate for 127.0.0.1, which the URL names as `sslrootcert` (DIR/server.crt). The server refuses to run as root: as root, the server
# programs run as the `postgres` user (Debian's postgresql package creates it). Set PG_BIN to the
# server's bin folder, PG_PORT to a port, when the defaults do not fit.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
command=$1
dir=$2

bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
  echo "PostgreSQL server programs not found (install Debian's postgresql package, or set PG_BIN)" >&2
  exit 1
fi

# as root, the server's programs run as the postgres user
as_server() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ -n "$(ls -A "$dir")" ]]; then
    echo "Folder \"$dir\" is not empty" >&2
    exit 1
  fi
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    if ! runuser -u postgres -- test -x "$dir"; then
      echo "The postgres user cannot reach \"$dir\": give its parent folders o+x" >&2
      exit 1
    fi
  fi
  port=${PG_PORT:-}
  if [[ -z "$port" ]]; then
    # the first port nothing listens on (a refused connection)
    for candidate in $(seq 25432 25532); do
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
        port=$candidate
        break
      fi
    done
  fi
  [[ -n "$port" ]] || { echo "No free port in 25432-25532" >&2; exit 1; }
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')
  as_server "$bin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  ssl=off
  if command -v openssl >/dev/null; then
    openssl req -new -x509 -days 30 -nodes -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$dir/data/server.key" -out "$dir/data/server.crt" 2>/dev/null
    chmod 600 "$dir/data/server.key"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/data/server.key" "$dir/data/server.crt"
    cp "$dir/data/server.crt" "$dir/server.crt"
    ssl=on
  fi
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c ssl=$ssl -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  as_server "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL >/dev/null
CREATE ROLE dlt_test LOGIN CREATEROLE PASSWORD '$password';
CREATE DATABASE dlt_test OWNER dlt_test;
SQL
  query=""
  [[ $ssl == on ]] && query="?sslrootcert=$dir/server.crt"
  echo "postgresql://dlt_test:$password@127.0.0.1:$port/dlt_test$query"
  ;;
stop)
  if [[ -d "$dir/data" ]]; then
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  usage
  ;;
esac
