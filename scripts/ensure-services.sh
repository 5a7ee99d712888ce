#!/usr/bin/env bash
# The test suite talks to a real PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379), and
# drives Debian's Chromium. Start the servers when they are installed but stopped, install
# Chromium (and CJK fonts for readable screenshots) when missing, and fail with a clear
# message when something cannot be had.
set -uo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }

wait_for() {  # name, check-function
  for _ in $(seq 1 30); do "$2" && return 0; sleep 1; done
  return 1
}

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  if ! wait_for PostgreSQL pg_up; then
    echo "ERROR: PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started." >&2
    echo "       Install it (apt-get install postgresql) or start it, with trust auth for user postgres." >&2
    exit 3
  fi
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  if ! wait_for Redis redis_up; then
    echo "ERROR: Redis is not reachable on 127.0.0.1:6379 and could not be started." >&2
    echo "       Install it (apt-get install redis-server) or start it." >&2
    exit 3
  fi
fi

if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "CJK"; then
  echo "services: installing Debian's chromium and CJK fonts for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >/dev/null
  if ! as_root apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; then
    echo "ERROR: could not install Debian's chromium (needed by the browser tests)." >&2
    exit 3
  fi
fi
echo "services: PostgreSQL, Redis and Chromium are ready"
