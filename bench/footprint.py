"""Footprint: memory of a worker after warm-up; bytes of the first page and of an HTMX swap.

Targets (issue 9): a worker ≤ 200 MB; the first page a counselor loads ≤ 300 KB.

    uv run python bench/footprint.py [--runs 5]

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; uses the bench database
`diemtua_intake` (created and seeded on first use, like bench/intake_burst.py) and Redis db 14.

- Web worker: gunicorn with config/gunicorn.conf.py and the production settings; each run logs
  in as a counselor and a department officer and loads the main pages (login, home, the queue,
  its HTMX tabs, a case, a student's chronology, the dashboards) `--warm` times each, then reads
  VmRSS from /proc/<pid>/status and Pss from /proc/<pid>/smaps_rollup of every worker (Pss
  shares the pages a worker shares with the master and the other workers fairly among them).
- Celery worker: `celery -A config worker --pool=solo` (one process, the figure of one worker
  process), after it ran the indicator refresh of every unit (reporting.refresh_all).
- First page: the login page's HTML plus every stylesheet, script and font it references, as
  whitenoise serves them with and without `Accept-Encoding: gzip` (the HTML itself is
  compressed by the reverse proxy in production, so its gzip size is computed here).
- HTMX swap: the queue's "all cases" tab as the counselor's browser asks for it (HX-Request),
  as sent and gzip-compressed.

Prints the median, min and max of each figure over the runs (the sizes do not vary).
"""

import argparse
import gzip
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import prod_server  # noqa: E402

ROOT = prod_server.ROOT
LOG = ROOT / "var" / "bench-footprint-celery.log"


class Browser:
    """Just enough of a browser: cookies by hand (the production cookies are Secure and we
    speak plain HTTP to gunicorn as the TLS-terminating proxy does), CSRF, no redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, path, *, data=None, headers=None):
        all_headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "192.0.2.10",
            "Accept-Language": "vi",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Origin"] = f"https://127.0.0.1:{self.port}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, headers=all_headers
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, response.read()

    def login(self, username: str, password: str) -> None:
        _status, _headers, page = self.request("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, _body = self.request(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.decode(),
                "username": username,
                "password": password,
            },
        )
        if status != 302:
            raise RuntimeError(f"login of {username} answered {status}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _first_case(database: str, school: str) -> tuple[str, str]:
    row = prod_server.query(
        database,
        "SELECT c.id, c.student_id FROM cases_case c JOIN orgs_orgunit o ON o.id = c.school_id "
        f"WHERE o.code = '{school}' AND NOT c.restricted AND c.student_id IS NOT NULL "
        "ORDER BY c.id LIMIT 1",
    )
    case_id, student_id = row.split("|")
    return case_id, student_id


def _assets(html: bytes) -> list[str]:
    found = re.findall(rb'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"', html)
    return list(dict.fromkeys(path.decode() for path in found))


def first_page(port: int) -> dict:
    """Bytes of the login page and everything it loads, compressed and not."""
    browser = Browser(port)
    _status, _headers, html = browser.request("/accounts/login/")
    files = {"/accounts/login/ (HTML)": (len(html), len(gzip.compress(html, 6)))}
    queue = _assets(html)
    seen = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        _s, _h, plain = browser.request(path, headers={"Accept-Encoding": "identity"})
        _s, headers, sent = browser.request(path, headers={"Accept-Encoding": "gzip, br"})
        files[path] = (len(plain), len(sent))
        if path.endswith(".css"):
            # Fonts and images a stylesheet pulls in (relative to the stylesheet).
            for ref in re.findall(rb"url\(['\"]?([^'\")]+)['\"]?\)", plain):
                ref = ref.decode()
                if ref.startswith("data:"):
                    continue
                queue.append(urllib.parse.urljoin(path, ref.split("#")[0].split("?")[0]))
        _ = headers
    return files


def warm_pages(database: str) -> list[tuple[str, str, str, dict]]:
    """(who, label, path, headers) of the main pages, in the order a day goes."""
    case_id, student_id = _first_case(database, "01-TRUNGTU")
    department = prod_server.query(database, "SELECT id FROM orgs_orgunit WHERE code = '01'")
    htmx = {"HX-Request": "true", "HX-Current-URL": "https://127.0.0.1/cases/"}
    pages = [
        ("counselor", "home", "/", {}),
        ("counselor", "queue", "/cases/", {}),
        ("counselor", "queue tab (HTMX)", "/cases/?tab=all", htmx),
        ("counselor", "queue tab mine (HTMX)", "/cases/?tab=mine", htmx),
        ("counselor", "case", f"/cases/{case_id}/", {}),
        ("counselor", "chronology", f"/cases/students/{student_id}/", {}),
        ("counselor", "students", "/students/", {}),
        ("officer", "dashboards", "/dashboards/", {}),
    ]
    if department:
        pages.append(("officer", "province dashboard", f"/dashboards/unit/{department}/", {}))
    return pages


def web_worker(args, env, *, with_first_page: bool):
    """Memory of each gunicorn worker after warm-up, the HTMX swap, the first page's files."""
    pages = warm_pages(args.database)
    with prod_server.Gunicorn(env, args.port, "/accounts/login/") as server:
        browsers = {"counselor": Browser(args.port), "officer": Browser(args.port)}
        browsers["counselor"].login(args.counselor, args.password)
        browsers["officer"].login(args.officer, args.password)
        swap = b""
        for _ in range(args.warm):
            Browser(args.port).request("/accounts/login/")
            for who, label, path, headers in pages:
                status, answer_headers, body = browsers[who].request(path, headers=headers)
                if status == 302:  # e.g. /dashboards/ sends an officer to their own unit
                    location = urllib.parse.urlsplit(answer_headers["Location"])
                    target = location.path + (f"?{location.query}" if location.query else "")
                    status, _h, body = browsers[who].request(target, headers=headers)
                if status != 200:
                    raise RuntimeError(f"{label} {path} answered {status}")
                if label == "queue tab (HTMX)":
                    swap = body
        time.sleep(0.5)
        workers = [prod_server.memory_of(pid) for pid in server.worker_pids()]
        master = prod_server.memory_of(server.process.pid)
        files = first_page(args.port) if with_first_page else {}
    return workers, master, swap, files


def celery_worker(env) -> dict:
    """Memory of a Celery worker process after it ran the indicator refresh of every unit."""
    LOG.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            f"--logfile={LOG}",
            "-Q",
            f"footprint-{env['CACHE_KEY_PREFIX']}",
            "-n",
            f"footprint-{env['CACHE_KEY_PREFIX']}@%h",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        # The banner and the warning about running as root go to the log, not the figures.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        probe = (
            "from config.celery import app; import sys\n"
            "result = app.send_task('reporting.refresh_all', queue=sys.argv[1])\n"
            "print(result.id)\n"
        )
        # No result backend: wait until the worker has been busy and is idle again.
        subprocess.run(
            [sys.executable, "-c", probe, f"footprint-{env['CACHE_KEY_PREFIX']}"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        stat = Path(f"/proc/{process.pid}/stat")
        busy_since, last_cpu = None, None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            cpu = sum(int(x) for x in stat.read_text().rsplit(")", 1)[1].split()[11:13])
            if last_cpu is not None and cpu == last_cpu and busy_since is not None:
                if time.monotonic() - busy_since > 3:
                    break
            elif last_cpu is not None:
                busy_since = time.monotonic()
            last_cpu = cpu
            time.sleep(1)
        figures = prod_server.memory_of(process.pid)
        if "reporting.refresh_all" not in LOG.read_text() or "succeeded" not in LOG.read_text():
            raise RuntimeError(f"the Celery task did not run: see {LOG}")
        return figures
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stats(values):
    return statistics.median(values), min(values), max(values)


def main() -> None:
    def stop(_signum, _frame):
        raise SystemExit("terminated")

    signal.signal(signal.SIGTERM, stop)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", type=int, default=10, help="times each page is loaded")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database", default="diemtua_intake")
    parser.add_argument("--counselor", default="tv.trungtu")
    parser.add_argument("--officer", default="so.hanoi")
    parser.add_argument("--password", default="diemtua-demo")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--skip-celery", action="store_true")
    args = parser.parse_args()

    prod_server.ensure_database(args.database)
    extra = dict(item.split("=", 1) for item in args.env)
    env = prod_server.production_env(args.database, port=args.port, extra=extra)
    prod_server.collectstatic(env)

    rss, pss, master_rss, celery_rss, celery_pss = [], [], [], [], []
    swap, files = b"", {}
    for run in range(args.runs):
        workers, master, swap, page = web_worker(args, env, with_first_page=run == 0)
        files = files or page
        rss.append(max(w["rss"] for w in workers))
        pss.append(max(w.get("pss", 0) for w in workers))
        master_rss.append(master["rss"])
        print(
            f"run {run + 1}: web workers RSS "
            + ", ".join(f"{w['rss']:.0f}" for w in workers)
            + " MB, PSS "
            + ", ".join(f"{w.get('pss', 0):.0f}" for w in workers)
            + f" MB (master RSS {master['rss']:.0f} MB)",
            flush=True,
        )
        if not args.skip_celery:
            celery = celery_worker(env)
            celery_rss.append(celery["rss"])
            celery_pss.append(celery.get("pss", 0))
            print(
                f"       celery worker RSS {celery['rss']:.0f} MB, PSS {celery.get('pss', 0):.0f}"
            )

    print(f"\nMemory after warm-up (MB), median [min – max] of {args.runs} runs")
    rows = [("gunicorn worker RSS (largest)", rss), ("gunicorn worker PSS (largest)", pss)]
    rows.append(("gunicorn master RSS", master_rss))
    if celery_rss:
        rows += [("celery worker RSS", celery_rss), ("celery worker PSS", celery_pss)]
    for name, values in rows:
        median, low, high = _stats(values)
        print(f"  {name:30} {median:7.1f}  [{low:.1f} – {high:.1f}]")

    print("\nFirst page: the login page and what it loads (bytes)")
    print(f"  {'file':55} {'plain':>9} {'as sent':>9}")
    for path, (plain, sent) in files.items():
        print(f"  {path:55} {plain:9,d} {sent:9,d}")
    total_plain = sum(p for p, _s in files.values())
    total_sent = sum(s for _p, s in files.values())
    print(f"  {'total':55} {total_plain:9,d} {total_sent:9,d}")
    print(
        f"\nHTMX swap (queue tab 'all cases'): {len(swap):,d} bytes, "
        f"{len(gzip.compress(swap, 6)):,d} gzip-compressed"
    )


if __name__ == "__main__":
    main()
