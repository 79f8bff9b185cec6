"""Two app servers, a worker and beat on one PostgreSQL and one Redis behave as one system.

The topology of docs/deploy.md, on loopback: two gunicorn servers (production settings, real
keys made up for the run) that any request may reach, one Celery worker and exactly one beat. The
test plays the reverse proxy: every request carries the site's Host, X-Forwarded-Proto: https and
the client's address in X-Forwarded-For, as nginx would send them.

It proves what lets us add servers freely: a login on one server is valid on the other (sessions
in Redis or PostgreSQL, whichever SESSION_ENGINE says, never in a process), a help request sent to
one is read on the other, rate-limit counters are shared (Redis), a task queued by a request
reaches the worker, beat's schedule reaches the worker, and every process stops cleanly on SIGTERM.

Runs only where DATABASE_URL is PostgreSQL and REDIS_URL is set (`.ci/run`); skipped on SQLite,
whose file a second machine could not share anyway. The servers use the test database that
pytest-django created (test_<name>), and the test commits its rows (transaction=True), so the
servers see them.
"""

import base64
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from diemtua.accounts import services as account_services
from diemtua.accounts.roles import Role
from diemtua.cases.intake import normalise_code
from diemtua.cases.models import HelpRequest
from diemtua.core import ratelimit, tasks
from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind, SchoolLevel
from diemtua.reporting.models import IndicatorValue, StaleUnit

ROOT = Path(__file__).resolve().parents[3]
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
SITE = "diemtua.test"  # the public name the proxy forwards as Host
PASSWORD = "cluster-password-7731"
# Generous: four processes import Django at once on 2 shared cores (about 10 s idle, 35 s when
# other jobs load the machine); a healthy run never waits this long.
START_SECONDS = 90
WAIT_SECONDS = 60

pytestmark = [
    pytest.mark.multi_server,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        or not settings.REDIS_URL,
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as in .ci/run",
    ),
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    # Bind to port 0 and let the kernel choose; the tiny window before gunicorn binds it is fine
    # on a CI machine (and a clash shows as a server that never answers /healthz, with its log).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The test database (test_<name>), not the one DATABASE_URL names."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@dataclass
class Response:
    status: int
    location: str
    text: str


class Browser:
    """One person's browser, reaching the servers through the proxy the test stands in for."""

    def __init__(self, address: str):
        self.address = address  # what the proxy appends to X-Forwarded-For
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None) -> Response:
        headers = {"Host": SITE, "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{SITE}"  # a browser sends it with every POST
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read().decode("utf-8", "replace")
            for header in answer.msg.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] in ("0", 0):
                        self.cookies.pop(name, None)  # deleted (logout)
                    else:
                        self.cookies[name] = morsel.value
            return Response(answer.status, answer.getheader("Location") or "", text)
        finally:
            conn.close()

    def get(self, port: int, path: str) -> Response:
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, form: dict) -> Response:
        return self.request(port, "POST", path, {"csrfmiddlewaretoken": self.csrf, **form})

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")


def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field in the page"
    return found.group(1)


def _text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert found, f"no #{element_id} in the page"
    return found.group(1).strip()


class Cluster:
    """The processes of one run; each writes its output to a log file printed on failure."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self.tmp_path = tmp_path
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.a = self.b = 0  # the two app servers' ports
        self.beat_token = ""

    def start(self, name: str, args: list[str]) -> None:
        log = self.tmp_path / f"{name}.log"
        self.logs[name] = log
        with log.open("wb") as out:  # a file, not a pipe: a full pipe would stall the process
            self.processes[name] = subprocess.Popen(  # noqa: S603 — fixed arguments
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def start_app_server(self, name: str) -> int:
        port = _free_port()
        config = ["-c", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else []
        # Command-line flags win over the config file: one worker each is enough to prove that
        # two servers share everything that matters, and keeps the test light on 2 cores. Two
        # gunicorns on one machine would share the default control socket (~/.gunicorn/); ours
        # need none.
        self.start(
            name,
            ["gunicorn", *config, "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "2", "--graceful-timeout", "10",
             "--access-logfile", "-", "--error-logfile", "-", "--no-control-socket"],
        )  # fmt: skip
        return port

    def wait_healthy(self, port: int, name: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        probe = Browser("127.0.0.1")
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                pytest.fail(f"{name} exited with {self.processes[name].returncode}")
            try:
                if probe.get(port, "/healthz").status == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.2)
        pytest.fail(f"{name} did not answer /healthz within {START_SECONDS} s")

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to all, then wait: gunicorn and Celery finish what they are doing and exit."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                codes[name] = None  # did not stop: killed below
        return codes

    def kill(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    def print_logs(self) -> None:
        for name, log in self.logs.items():
            text = log.read_text(errors="replace") if log.exists() else ""
            print(f"\n===== {name} ({log}) =====\n{text[-6000:]}")


def _wait_for(what: str, check, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"{what}: not within {seconds} s")


@pytest.fixture
def school():
    """A school and its counselor, committed so the servers see them."""
    create = org_services.org_unit_create
    ministry = create(actor=None, kind=OrgKind.MINISTRY, name="Bộ GD&ĐT", code="BGDDT")
    dept = create(
        actor=None, kind=OrgKind.DEPARTMENT, name="Sở GD&ĐT Hà Nội", code="01", parent=ministry
    )
    commune = create(
        actor=None, kind=OrgKind.COMMUNE, name="Phường Đống Đa", code="00235", parent=dept
    )
    school = create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường THCS Lĩnh Nam",
        code="01-CLUSTER",
        parent=commune,
        commune=commune,
        school_level=SchoolLevel.LOWER_SECONDARY,
    )
    return school


@pytest.fixture
def counselor(school, settings):
    # The servers know only the production hashers, not the fast one the other tests use.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = account_services.user_create(
        actor=None, username="tv.cluster", full_name="Cô Tư Vấn Cụm", password=PASSWORD
    )
    account_services.membership_grant(actor=None, user=user, org_unit=school, role=Role.COUNSELOR)
    return user


@pytest.fixture
def cluster(tmp_path, school, counselor):
    run = secrets.token_hex(4)
    beat_token = f"beat-{run}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "diemtua.core.tests.cluster_settings",
        "DIEMTUA_CLUSTER_QUEUE": f"cluster-{run}",
        "DIEMTUA_CLUSTER_BEAT_TOKEN": beat_token,
        # Production, with keys made up for this run: the configuration docs/deploy.md describes.
        "DIEMTUA_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DIEMTUA_FIELD_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "DIEMTUA_AUDIT_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": SITE,
        "CSRF_TRUSTED_ORIGINS": f"https://{SITE}",
        "TRUST_X_FORWARDED_FOR": "true",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DIEMTUA_INDICATORS_AUTO_REFRESH": "true",
        "DIEMTUA_INDICATORS_DEBOUNCE_SECONDS": "1",
        "DIEMTUA_STATUS_RATE_CODE": "3/900",
        "DIEMTUA_UPLOAD_ROOT": str(tmp_path / "uploads"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    processes = Cluster(tmp_path, env)
    try:
        a = processes.start_app_server("app-a")
        b = processes.start_app_server("app-b")
        processes.start(
            "worker",
            ["celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "-Q", env["DIEMTUA_CLUSTER_QUEUE"], "-n", f"cluster-{run}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        )  # fmt: skip
        processes.start(
            "beat",
            ["celery", "-A", "config", "beat", "--loglevel=INFO", "--max-interval=1",
             "--schedule", str(tmp_path / "celerybeat-schedule")],
        )  # fmt: skip
        processes.wait_healthy(a, "app-a")
        processes.wait_healthy(b, "app-b")
        processes.a, processes.b, processes.beat_token = a, b, beat_token
        yield processes
    finally:
        codes = processes.stop()
        processes.kill()
        # pytest shows what teardown printed only when the test (or this teardown) failed.
        processes.print_logs()
        # The servers' connections are closed now, so the flush after the test is not blocked.
    assert codes == dict.fromkeys(codes, 0), f"not a clean shutdown: {codes}"


def test_two_app_servers_a_worker_and_beat_act_as_one_system(cluster, school, counselor):
    a, b = cluster.a, cluster.b
    started = timezone.now()

    # Sessions: log in on A, be logged in on B; log out on B, be logged out on A.
    staff = Browser("10.9.0.1")
    assert staff.get(a, "/accounts/login/").status == 200
    response = staff.post(a, "/accounts/login/", {"username": "tv.cluster", "password": PASSWORD})
    assert response.status == 302, response.text[-2000:]
    assert "sessionid" in staff.cookies
    home = staff.get(b, "/")
    assert home.status == 200
    assert "Cô Tư Vấn Cụm" in home.text
    assert Browser("10.9.0.1").get(b, "/").status == 302  # without the cookie: the login page
    assert staff.post(b, "/accounts/logout/", {}).status == 302
    assert staff.get(a, "/").status == 302

    # A help request sent to A is read, with its code and PIN, on B.
    student = Browser(f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7")
    form = student.get(a, f"/help/{school.code}/")
    assert form.status == 200
    sent = student.post(
        a,
        f"/help/{school.code}/",
        {
            "key": _field(form.text, "key"),
            "requester": "student",
            "is_anonymous": "on",
            "contact_method": "code_only",
            "message": "Em bị bạn bắt nạt trong giờ ra chơi.",
        },
    )
    assert sent.status == 200, sent.text[-2000:]
    code, pin = _text_of(sent.text, "tracking-code"), _text_of(sent.text, "tracking-pin")
    status = student.post(b, "/help/status/", {"code": code, "pin": pin})
    assert status.status == 200
    assert "Mã tra cứu hoặc mã PIN không đúng" not in status.text
    assert HelpRequest.objects.filter(school=school).count() == 1
    # The submission was counted in Redis, where this process reads the same counter.
    assert ratelimit.count("help-address", student.address) == 1

    # Rate limits: wrong PINs for one code, two on A and one on B, use up its 3/900 together.
    guesser = Browser(f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9")
    bogus = f"ZZ{secrets.token_hex(3).upper()}"
    for port in (a, a, b):
        guesser.get(port, "/help/status/")
        wrong = guesser.post(port, "/help/status/", {"code": bogus, "pin": "000000"})
        assert wrong.status == 200
    assert ratelimit.count("status-code", normalise_code(bogus)) == 3
    assert guesser.post(b, "/help/status/", {"code": bogus, "pin": "000000"}).status == 429
    assert guesser.post(a, "/help/status/", {"code": bogus, "pin": "000000"}).status == 429

    # A task queued by A's request: the help request marked its school stale and scheduled the
    # debounced refresh, which the worker ran (the school's indicators exist, the mark is gone).
    _wait_for(
        "the worker refreshed the school's indicators",
        lambda: (
            not StaleUnit.objects.filter(org_unit=school).exists()
            and IndicatorValue.objects.filter(org_unit=school, computed_at__gte=started).exists()
        ),
    )

    # Beat: its one-second ping went through Redis to the worker.
    _wait_for("beat's ping was run by the worker", lambda: tasks.answered(cluster.beat_token))

    # Both servers are still healthy after all this.
    for port in (a, b):
        assert Browser("127.0.0.1").get(port, "/healthz").status == 200
