"""Intake burst: help-request submissions over loopback against gunicorn in production settings.

The scenario (issue 9): a school assembly where 800 students scan the help QR code at the same
minute. Target on the 2-core machine: ≥ 300 submissions/s, p99 ≤ 300 ms, none lost.

    uv run python bench/intake_burst.py [--runs 5] [--requests 1500] [--connections 32]

Needs wrk (Debian: `apt-get install -y wrk`), PostgreSQL on 127.0.0.1:5432 (trust, user
postgres) and Redis on 127.0.0.1:6379. The first run creates, migrates and seeds the database
`diemtua_intake` (about a minute); the server uses Redis db 14 with a key prefix of its own.

What it does, per run: one school's help page is loaded once for a CSRF cookie and token (one
pair serves every POST, as one browser's would); then wrk sends `--requests` POSTs, each with its
own idempotency key and client address, through `--connections` connections. Every answer is
read: an acknowledgement is the confirmation page with a tracking code. Afterwards the rows
stored with this run's keys are counted: stored must equal acknowledged (lost = acknowledged
codes missing from the database). Pass 1 sends only new keys; pass 2 repeats a share of recent
keys (`--retry-share`, double taps and retries, some of them while the first copy is still being
stored), and there stored must equal the distinct acknowledged requests. Each run uses another
demo school, so per-school counters of one run never refuse the next (the limits are the
production defaults; X-Forwarded-For is trusted, as behind the reverse proxy).

Prints one line per run and the median, min and max of each figure over the runs. gunicorn is
started with config/gunicorn.conf.py and stopped at the end, whatever happens.
"""

import argparse
import math
import os
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import prod_server  # noqa: E402

LUA = Path(__file__).with_suffix(".lua")
# Longer than wrk's --timeout (10 s): no answer for this long means the rest timed out.
STALL_SECONDS = 12
VERBOSE = False
MESSAGE = "Em bị các bạn trong lớp trêu chọc mỗi ngày, em không muốn đi học nữa."


def _form_tokens(server, path: str) -> tuple[str, str, str]:
    """CSRF cookie, CSRF form token and the first content group's id from a rendered form."""
    response = server.get(path)
    cookie = ""
    for header in response.headers.get_all("Set-Cookie") or []:
        match = re.match(r"csrftoken=([^;]+)", header)
        if match:
            cookie = match.group(1)
    page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    group = re.search(r'name="content_groups" value="(\d+)"', page)
    return cookie, token, group.group(1) if group else ""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pids(database: str) -> list[int]:
    rows = prod_server.query(
        "postgres", f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'"
    )
    return [int(pid) for pid in rows.split()]


def _redis_pid() -> int | None:
    found = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True)
    pids = found.stdout.split()
    return int(pids[0]) if pids else None


def _schools(database: str) -> list[str]:
    rows = prod_server.query(
        database,
        "SELECT code FROM orgs_orgunit WHERE kind = 'school' AND valid_to IS NULL "
        "AND (valid_from IS NULL OR valid_from <= current_date) ORDER BY code",
    )
    return rows.split()


def one_run(server, args, school: str, retry_share: float, address_base: int) -> dict:
    path = f"/help/{school}/"
    cookie, token, group = _form_tokens(server, path)
    tag = secrets.token_hex(4)
    body_rest = urllib.parse.urlencode(
        {
            "requester": "student",
            "is_anonymous": "on",
            "class_name": "9A",
            "content_groups": group,
            "message": MESSAGE,
            "contact_method": "code_only",
        }
    )
    per_thread = args.requests // args.wrk_threads
    out_dir = Path(tempfile.mkdtemp(prefix="intake-burst-"))
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        "-d600s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{args.port}",
        "--",
        cookie,
        token,
        path,
        f"https://127.0.0.1:{args.port}",
        tag,
        str(per_thread),
        str(retry_share),
        body_rest,
        str(out_dir),
        str(address_base),
        "/static/css/diemtua.css",
    ]
    app_pids = server.worker_pids()
    db_pids = _backend_pids(args.database)
    redis_pid = _redis_pid()
    cpu_before = {pid: _cpu_seconds(pid) for pid in [*app_pids, *db_pids, redis_pid] if pid}
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    files = [out_dir / f"acks-{n}.txt" for n in range(args.wrk_threads)]

    def lines() -> list[str]:
        return [ln for f in files if f.exists() for ln in f.read_text().splitlines()]

    # wrk waits out its -d even when every thread has stopped: interrupt it once every thread
    # has its answers, or when no answer came for longer than wrk's own timeout (a POST that
    # timed out never gets one).
    last_count, last_change = -1, time.monotonic()
    while wrk.poll() is None:
        seen = lines()
        if sum(1 for ln in seen if ln == "T") == len(files):
            break
        if len(seen) != last_count:
            last_count, last_change = len(seen), time.monotonic()
        elif time.monotonic() - last_change > STALL_SECONDS:
            break
        time.sleep(0.05)
    if wrk.poll() is None:
        wrk.send_signal(signal.SIGINT)
    output, _ = wrk.communicate(timeout=30)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # New backends may have been opened during the run (persistent connections): count them too.
    db_pids = sorted(set(db_pids) | set(_backend_pids(args.database)))

    app_pids = sorted(set(app_pids) | set(server.worker_pids()))

    def spent(pids) -> float:
        """CPU used in the run; NaN when a process ended during it (a worker reached
        max_requests, a connection reached its max age): its last figures are gone."""
        pids = [pid for pid in pids if pid]
        if any(not Path(f"/proc/{pid}").exists() for pid in pids):
            return float("nan")
        return sum(_cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in pids)

    cpu = {
        "app": spent(app_pids),
        "db": spent(db_pids),
        "redis": spent([redis_pid]),
        "wrk": (children_after.ru_utime + children_after.ru_stime)
        - (children_before.ru_utime + children_before.ru_stime),
    }
    summary = dict(re.findall(r"(\w+)=([\d.]+)", output.split("WRK", 1)[-1]))

    statuses, codes, starts, answers = [], [], [], []
    for line in lines():
        parts = line.split()
        if parts[0] == "S":
            starts.append(float(parts[1]))
        elif parts[0] != "T":
            statuses.append(int(parts[0]))
            answers.append(float(parts[2]))
            if parts[1] != "-":
                codes.append(parts[1])
    shutil.rmtree(out_dir, ignore_errors=True)
    stored = set(
        prod_server.query(
            args.database,
            f"SELECT tracking_code FROM cases_helprequest WHERE idempotency_key LIKE '{tag}%'",
        ).split()
    )
    acknowledged = set(codes)
    seconds = (max(answers) - min(starts)) / 1e6 if answers and starts else 0.0
    socket_errors = sum(int(summary.get(k, 0)) for k in ("connect", "read", "write", "timeout"))
    answered = max(len(statuses), 1)
    cpu_ms = {k: v * 1000 / answered for k, v in cpu.items()}
    return {
        "cpu_app": cpu_ms["app"],
        "cpu_db": cpu_ms["db"],
        "cpu_redis": cpu_ms["redis"],
        "cpu_wrk": cpu_ms["wrk"],
        "cpu_total": sum(cpu_ms.values()),
        "school": school,
        "sent": args.requests,
        "answered": len(statuses),
        "rps": len(statuses) / seconds if seconds else 0.0,
        "p50": int(summary.get("p50", 0)) / 1000,
        "p99": int(summary.get("p99", 0)) / 1000,
        "max": int(summary.get("max", 0)) / 1000,
        "acked": len(codes),
        "distinct": len(acknowledged),
        "stored": len(stored),
        "lost": len(acknowledged - stored),
        "unacked_stored": len(stored - acknowledged),
        "errors": sum(1 for s in statuses if s != 200) + socket_errors,
        "socket_errors": socket_errors,
        "wrk": output.strip().splitlines()[-1] if output.strip() else "",
        "refused_429": sum(1 for s in statuses if s == 429),
    }


COLUMNS = [
    ("rps", "req/s", "{:8.1f}"),
    ("p50", "p50 ms", "{:7.1f}"),
    ("p99", "p99 ms", "{:7.1f}"),
    ("max", "max ms", "{:7.1f}"),
    ("acked", "acked", "{:6d}"),
    ("distinct", "distinct", "{:8d}"),
    ("stored", "stored", "{:6d}"),
    ("lost", "lost", "{:4d}"),
    ("errors", "errors", "{:6d}"),
    ("refused_429", "429", "{:4d}"),
    ("socket_errors", "socket", "{:6d}"),
    # CPU time per answered POST (ms): gunicorn workers, PostgreSQL backends, Redis, wrk. On a
    # busy shared machine throughput follows what the others leave; this does not, and
    # 2 cores × 1000 / cpu ms is what the whole stack could do on the 2 cores alone.
    ("cpu_app", "app cpu", "{:7.2f}"),
    ("cpu_db", "db cpu", "{:6.2f}"),
    ("cpu_total", "all cpu", "{:7.2f}"),
]


def _print_run(label: str, run: dict) -> None:
    cells = " ".join(fmt.format(run[key]).rjust(len(title)) for key, title, fmt in COLUMNS)
    load = os.getloadavg()[0]
    print(f"{label:12} {run['school']:14} {cells}  load {load:.1f}", flush=True)
    if VERBOSE:
        print(f"             {run['wrk']}  (sent {run['sent']}, answered {run['answered']})")


def _print_summary(title: str, runs: list[dict]) -> None:
    print(f"\n{title}: median [min – max] of {len(runs)} runs")
    for key, name, _fmt in COLUMNS:
        values = [run[key] for run in runs if not math.isnan(run[key])] or [float("nan")]
        print(
            f"  {name:9} {statistics.median(values):9.1f}  [{min(values):.1f} – {max(values):.1f}]"
        )
    print(
        f"  total     acknowledged {sum(r['acked'] for r in runs)}, distinct "
        f"{sum(r['distinct'] for r in runs)}, stored {sum(r['stored'] for r in runs)}, lost "
        f"{sum(r['lost'] for r in runs)}, stored but unanswered "
        f"{sum(r['unacked_stored'] for r in runs)}"
    )
    # Runs in which a process ended have no CPU figure (NaN): the median is of the others.
    measured = [r for r in runs if not math.isnan(r["cpu_total"])]
    cpu = statistics.median(r["cpu_total"] for r in measured) if measured else 0
    part = {
        k: statistics.median(r[f"cpu_{k}"] for r in measured) if measured else 0
        for k in ("app", "db", "redis", "wrk")
    }
    if cpu:
        print(
            f"  CPU per POST {cpu:.2f} ms (app {part['app']:.2f}, PostgreSQL {part['db']:.2f}, "
            f"Redis {part['redis']:.2f}, wrk {part['wrk']:.2f}): the 2 cores alone would "
            f"serve about {2000 / cpu:.0f}/s if nothing waited on a lock "
            f"({len(measured)} runs measured)"
        )


def _stop_on_sigterm(_signum, _frame):
    # A SIGTERM (timeout, CI) unwinds through the context managers, so gunicorn is stopped.
    raise SystemExit("terminated")


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1500, help="POSTs per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--retry-share", type=float, default=0.2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="diemtua_intake")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--skip-retries", action="store_true", help="only the first pass")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, e.g. WEB_CONCURRENCY=3 (repeatable)",
    )
    parser.add_argument("--verbose", action="store_true", help="print wrk's own summary per run")
    args = parser.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `apt-get install -y wrk` (Debian), then run again.")

    prod_server.ensure_database(args.database, reseed=args.reseed)
    schools = _schools(args.database)
    extra = dict(item.split("=", 1) for item in args.env)
    env = prod_server.production_env(args.database, port=args.port, extra=extra)
    prod_server.collectstatic(env)
    passes = [("new keys", 0.0)]
    if not args.skip_retries:
        passes.append((f"{args.retry_share:.0%} retried", args.retry_share))
    needed = 1 + args.runs * len(passes)
    if len(schools) < needed:
        print(f"note: {len(schools)} schools for {needed} runs; per-school counters carry over")
    shown = {k: v for k, v in extra.items()}
    print(f"gunicorn config/gunicorn.conf.py, production settings {shown or ''}".rstrip())
    print(f"{args.requests} POSTs per run over {args.connections} connections (wrk)\n")
    header = " ".join(title for _k, title, _f in COLUMNS)
    # The 1-minute load average after each run: other work on the machine shows there.
    print(f"{'run':12} {'school':14} {header}  machine")
    with prod_server.Gunicorn(env, args.port, f"/help/{schools[0]}/") as server:
        print("workers:", ", ".join(str(p) for p in server.worker_pids()))
        # Warm-up (templates, translations, connections); reported but not in the figures.
        _print_run("warm-up", one_run(server, args, schools[0], 0.0, 0))
        results = {}
        index = 1
        for title, share in passes:
            results[title] = []
            for n in range(args.runs):
                school = schools[index % len(schools)]
                run = one_run(server, args, school, share, index * 800)
                index += 1
                results[title].append(run)
                _print_run(f"{title[:8]} {n + 1}", run)
    for title, runs in results.items():
        _print_summary(title, runs)
    lost = sum(run["lost"] for runs in results.values() for run in runs)
    if lost:
        sys.exit(f"LOST {lost} acknowledged requests")


if __name__ == "__main__":
    main()
