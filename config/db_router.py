"""An optional PostgreSQL read replica for dashboard figures (DATABASE_REPLICA_URL).

Reads go to the replica only inside `with replica_reads():`, and only when a replica is
configured and no transaction is open. Nothing is routed by model: a whole-model rule would also
send access checks (a membership revoked a second ago still seen on a lagging replica) and the
reads of the indicator refresh, which writes what it read, to a copy that may be behind. The
caller decides that what it reads may be a few seconds old — aggregate figures are; who may see
them is not.

Without DATABASE_REPLICA_URL this router is not installed and `replica_reads()` changes nothing,
so code may use it unconditionally. See docs/deploy.md ("PostgreSQL").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

# Per thread and per task (gunicorn's threaded workers serve several requests at once).
_reading: ContextVar[bool] = ContextVar("diemtua_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may come from the replica (writes never do)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _reading.get() or not replica_configured():
            return None
        # Inside a transaction the primary holds rows the replica has not got (possibly
        # uncommitted ones of this very transaction): read them where they are.
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        return None  # always the primary

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read there may point to one read here.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Migrations run on the primary once per release; streaming replication copies them.
        return False if db == REPLICA else None
