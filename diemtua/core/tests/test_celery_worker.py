"""A real Celery worker, started here, takes a task from the machine's Redis (in `.ci/run`).

Skipped without REDIS_URL (the embedded default runs tasks eagerly and has no broker).
"""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from diemtua.core import tasks

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)"),
]


@pytest.fixture
def worker():
    queue = f"test-{secrets.token_hex(4)}"  # a queue of its own: no other worker takes its task
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false"}
    process = subprocess.Popen(  # noqa: S603 — fixed arguments
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_real_worker_processes_a_task_from_redis(worker):
    token = secrets.token_hex(8)
    tasks.ping.apply_async(args=[token], queue=worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not tasks.answered(token):
        time.sleep(0.25)
    assert tasks.answered(token), "no worker took the task from Redis within 60 s"
