"""Settings of the processes started by test_multi_server.py: config.settings plus two changes.

Everything else (production mode, keys, database, Redis) comes from the environment the test
gives them, exactly as on a real server.

- Tasks go to a queue of the test's own, so a worker another test or person runs on the same
  Redis never takes them (and ours takes nobody else's).
- Beat's real schedule has nothing due within a minute of starting (its shortest interval is five
  minutes), so beat gets one entry that is due every second: a ping the test waits for.
"""

import os

from config.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["DIEMTUA_CLUSTER_QUEUE"]
CELERY_BEAT_SCHEDULE = {
    "cluster-beat-ping": {
        "task": "core.ping",
        "schedule": 1.0,
        "args": [os.environ["DIEMTUA_CLUSTER_BEAT_TOKEN"]],
    }
}
