"""Gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (GUNICORN_* below, or gunicorn's own
GUNICORN_CMD_ARGS). The defaults are for the 2-core machines Điểm Tựa is measured on; see
docs/benchmarks-intake.md for the figures behind them and docs/decisions.md ("Issue 9: intake").
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threaded workers: a request spends part of its time waiting on PostgreSQL and Redis, and
# threads overlap those waits without the memory of more processes. Threads also keep
# connections alive (the sync worker closes each one), which saves a TCP handshake per request
# behind a proxy that reuses upstream connections. One process per core plus one: the GIL lets
# only one thread run Python at a time, so the processes are what uses the cores.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("WEB_CONCURRENCY", cores + 1)
threads = _int("GUNICORN_THREADS", 4)

# Load the application once in the master and fork: workers share the imported code's pages
# (less memory per worker) and a broken deploy fails at start, not on the first request.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in {"1", "true", "yes", "on"}

# The reverse proxy keeps upstream connections open; keep ours open a little longer than its
# idle timeout would be, so the proxy never writes into a connection we just closed.
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# No page takes this long; a worker stuck for it is restarted rather than left holding a slot.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Restart each worker after this many requests (with jitter, so they never all restart at once):
# a slow leak in any library cannot grow a worker past the memory budget (≤ 200 MB).
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# The proxy's X-Forwarded-Proto says whether the client used HTTPS (Django reads it through
# SECURE_PROXY_SSL_HEADER); gunicorn itself only needs to accept it from the local proxy.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def post_fork(server, worker):
    """Database connections opened in the master (preload) must not be shared with children."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
