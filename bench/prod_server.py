"""Shared by bench/intake_burst.py and bench/footprint.py: a bench database and a gunicorn with
the production settings.

Production settings need real keys, and the demo data must be encrypted with the same keys the
server reads them with, so the keys are generated once and kept in var/bench-<database>.env
(var/ is not in git). The database is seeded (admin units + seed_demo) in development mode with
those keys, because seed_demo refuses production; the server then runs with DIEMTUA_ENV=production.
"""

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


def _psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{PG}/{database}", "-XAtc", sql], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def query(database: str, sql: str) -> str:
    return _psql(sql, database)


def bench_keys(database: str) -> dict:
    """The keys this bench database was seeded with (created with it)."""
    path = ROOT / "var" / f"bench-{database}.env"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        keys = {
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DIEMTUA_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DIEMTUA_AUDIT_KEY": secrets.token_urlsafe(48),
        }
        path.write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
        path.chmod(0o600)
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def ensure_database(database: str, *, reseed: bool = False) -> None:
    """Create, migrate and seed the bench database unless it is ready."""
    keys_file = ROOT / "var" / f"bench-{database}.env"
    exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"
    if exists and (reseed or not keys_file.exists()):
        if not reseed:
            sys.exit(
                f"Database {database} exists but was not seeded by this bench (no {keys_file}): "
                f"drop it (dropdb -h 127.0.0.1 -U postgres {database}) or pass --reseed."
            )
        _psql(f'DROP DATABASE "{database}" WITH (FORCE)')
        keys_file.unlink(missing_ok=True)
        exists = False
    if not exists:
        _psql(f'CREATE DATABASE "{database}"')
    env = {
        **os.environ,
        **bench_keys(database),
        "DIEMTUA_ENV": "development",
        "DEBUG": "true",
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    _manage(env, "migrate", "--noinput", "-v0")
    seeded = _psql("SELECT count(*) FROM orgs_orgunit WHERE code = '01-TRUNGTU'", database)
    if seeded != "1":
        print("Seeding the bench database (admin units and demo data, about a minute)…")
        started = time.perf_counter()
        _manage(env, "load_admin_units", "--communes")
        _manage(env, "seed_demo")
        print(f"Seeded in {time.perf_counter() - started:.0f} s")


def production_env(database: str, *, port: int, redis_db: int = 14, extra=None) -> dict:
    env = {
        **os.environ,
        **bench_keys(database),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DIEMTUA_ENV": "production",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        # A prefix of its own, so counters of an earlier run never refuse this one.
        "CACHE_KEY_PREFIX": f"bench-{database}-{os.getpid()}-{secrets.token_hex(3)}",
        # The load tool plays a TLS-terminating reverse proxy: it sends X-Forwarded-Proto: https
        # (so HTTPS redirects, secure cookies and HSTS stay as in production) and appends the
        # client's address to X-Forwarded-For.
        "TRUST_X_FORWARDED_FOR": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOGLEVEL": "warning",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra or {})
    return env


def collectstatic(env: dict) -> None:
    """Production serves hashed-free, gzip-compressed copies from STATIC_ROOT (whitenoise)."""
    _manage(env, "collectstatic", "--noinput", "-v0")


class Gunicorn:
    """gunicorn -c config/gunicorn.conf.py config.wsgi, started and always stopped."""

    def __init__(self, env: dict, port: int, ready_path: str):
        self.env, self.port, self.ready_path = env, port, ready_path
        self.process = None

    def __enter__(self) -> "Gunicorn":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                self.get(self.ready_path)
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def get(self, path: str, headers=None):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "192.0.2.1",
                **(headers or {}),
            },
        )
        return urllib.request.urlopen(request, timeout=10)

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def memory_of(pid: int) -> dict:
    """VmRSS from /proc/<pid>/status and Pss from smaps_rollup, in MB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            figures["rss"] = int(line.split()[1]) / 1024
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            if line.startswith("Pss:"):
                figures["pss"] = int(line.split()[1]) / 1024
    return figures
