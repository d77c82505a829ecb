#!/usr/bin/env bash
# A throwaway S3-compatible server (npm's s3rver) for the S3 tests, on 127.0.0.1, in a folder of
# its own.
#
#   tests/_scripts/s3_server.sh start DIR   # starts s3rver with its data in DIR (empty or absent);
#                                           # prints its endpoint, http://127.0.0.1:<port>
#   tests/_scripts/s3_server.sh stop DIR    # stops it (DIR is left for the caller to remove)
#
# The server has the bucket "dlt-test" and takes s3rver's built-in key pair: access key id
# "S3RVER", secret "S3RVER". It checks that the access key id exists but not the signature
# (s3rver 3.7.1 does not verify Signature Version 4), lists with continuation tokens, and serves
# ranges, copies and multipart uploads (but not their abort).
#
# s3rver runs under Node (npx fetches it from npm): its continuation tokens use DES, which Node's
# OpenSSL 3 has only with the legacy provider, and Deno has not at all. The server runs in a
# process group of its own, stopped as a whole. With S3_SERVER_PARENT_PID set, it also stops when
# that process is gone (the tests that start one set it to their own). S3_PORT picks the port
# (default: a free one).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
command=$1
dir=$2
version=3.7.1

case "$command" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ -n "$(ls -A "$dir")" ]]; then
    echo "Folder \"$dir\" is not empty" >&2
    exit 1
  fi
  command -v npx >/dev/null || { echo "npx not found: s3rver runs under Node.js (install it)" >&2; exit 1; }
  mkdir "$dir/data"
  # job control: the background job gets a process group of its own, whose id is its pid
  set -m
  (
    group=$BASHPID
    # the watchdog stays in the server's group, so stopping the group stops it too
    set +m
    if [[ -n "${S3_SERVER_PARENT_PID:-}" ]]; then
      (
        while kill -0 "$S3_SERVER_PARENT_PID" 2>/dev/null; do sleep 2; done
        kill -- "-$group" 2>/dev/null
      ) &
    fi
    NODE_OPTIONS=--openssl-legacy-provider exec npx -y "s3rver@$version" -d "$dir/data" \
      -a 127.0.0.1 -p "${S3_PORT:-0}" --silent --configure-bucket dlt-test
  ) </dev/null >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  set +m
  # the first start downloads s3rver from npm
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/server.log")
    if [[ -n "$port" ]]; then
      echo "http://127.0.0.1:$port"
      exit 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "s3rver did not start:" >&2
      cat "$dir/server.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "s3rver did not start within 120 s:" >&2
  cat "$dir/server.log" >&2
  "$0" stop "$dir"
  exit 1
  ;;
stop)
  if [[ -f "$dir/pid" ]]; then
    group=$(cat "$dir/pid")
    kill -- "-$group" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 -- "-$group" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 -- "-$group" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
  ;;
*)
  usage
  ;;
esac
