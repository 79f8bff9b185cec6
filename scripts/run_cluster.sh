#!/usr/bin/env bash
# The topology of docs/deploy.md on one machine: two app servers, one Celery worker and exactly one
# beat, all on the same DATABASE_URL (PostgreSQL) and REDIS_URL. `make cluster` runs it; Ctrl-C
# (or SIGTERM) stops every process, and if any one of them dies the others are stopped too, so a
# broken half-cluster never keeps running unnoticed.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/diemtua REDIS_URL=redis://127.0.0.1:6379/0 \
#     make cluster            # app servers on 127.0.0.1:8001 and :8002
#   CLUSTER_PORTS="8001 8002 8003" make cluster
#
# Put a reverse proxy in front (docs/deploy.md has an nginx example) or open either port directly:
# a login on one is valid on the other.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL=postgres://… — every process must share one database}"
: "${REDIS_URL:?set REDIS_URL=redis://… — cache, rate limits and the task queue are shared there}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "DATABASE_URL must be PostgreSQL: a SQLite file cannot be shared between machines" >&2; exit 2 ;;
esac

HOST="${HOST:-127.0.0.1}"
PORTS="${CLUSTER_PORTS:-8001 8002}"
# Two processes per app server are plenty on a laptop; production sizes come from
# config/gunicorn.conf.py (one per core plus one).
export WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
PY=.venv/bin/python
[ -x "$PY" ] || { echo "run 'make install' first" >&2; exit 2; }
mkdir -p var

# Once per release, before any server starts: never from each app server's start-up, where two
# servers would race to apply the same migration.
"$PY" manage.py migrate --noinput

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop_all EXIT
trap 'stop_all; exit 0' INT TERM

conf=()
[ -f config/gunicorn.conf.py ] && conf=(-c config/gunicorn.conf.py)
for port in $PORTS; do
  # Each server on this machine needs its own control socket (gunicorn's default is one per user).
  "$PY" -m gunicorn "${conf[@]}" config.wsgi:application --bind "$HOST:$port" \
    --control-socket "var/gunicorn-$port.ctl" --access-logfile - &
  pids+=("$!")
done
"$PY" -m celery -A config worker --loglevel=INFO -n "worker1@%h" &
pids+=("$!")
# Exactly one beat in the whole deployment: a second one would send every scheduled task twice.
"$PY" -m celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule &
pids+=("$!")

echo "app servers: $(for p in $PORTS; do printf 'http://%s:%s ' "$HOST" "$p"; done)"
wait -n
echo "a process stopped; stopping the others" >&2
