#!/usr/bin/env bash
# Makes sure the services the tests need are there: PostgreSQL on 127.0.0.1:5432 (started if
# installed but down; the run fails if it cannot be reached), Redis on 127.0.0.1:6379 (for the
# limits shared through Redis; started, or installed from Debian's packages, if missing) and Debian's
# Chromium for the console's browser tests (installed if missing; never a downloaded browser).
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! pg_up; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432; the suite must run against it." >&2
  exit 1
fi

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; }
if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's redis-server"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) || true
  fi
  if command -v redis-server >/dev/null 2>&1; then
    echo "==> starting Redis"
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null || true
    for _ in $(seq 1 10); do redis_up && break; sleep 0.5; done
  fi
  redis_up || echo "warning: Redis is not reachable on 127.0.0.1:6379; its tests will fail" >&2
fi

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's chromium and chromium-driver for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
    || echo "warning: could not install chromium; browser tests will fail" >&2
fi
