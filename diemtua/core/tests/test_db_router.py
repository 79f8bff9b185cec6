"""The optional read replica (config/db_router.py): only reads inside replica_reads() go there."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from config import db_router
from config.db_router import REPLICA, ReplicaRouter, replica_reads
from diemtua.orgs.models import OrgUnit

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def test_reads_go_to_the_replica_only_inside_replica_reads(with_replica):
    router = ReplicaRouter()
    assert router.db_for_read(OrgUnit) is None
    with replica_reads():
        assert router.db_for_read(OrgUnit) == REPLICA
        assert router.db_for_write(OrgUnit) is None
        with replica_reads():
            pass
        assert router.db_for_read(OrgUnit) == REPLICA  # a nested block does not end the outer
    assert router.db_for_read(OrgUnit) is None


def test_without_a_replica_nothing_changes(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: False)
    with replica_reads():
        assert ReplicaRouter().db_for_read(OrgUnit) is None


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_the_primary(with_replica):
    with transaction.atomic(), replica_reads():
        assert ReplicaRouter().db_for_read(OrgUnit) is None


def test_migrations_never_run_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "orgs") is False
    assert router.allow_migrate("default", "orgs") is None


def test_settings_add_the_replica_and_the_router_only_when_asked(tmp_path):
    """A fresh process reads DATABASE_REPLICA_URL as a server would (SQLite files stand in for
    PostgreSQL: routing needs no tables)."""
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.db import connections\n"
        "from config.db_router import replica_reads\n"
        "from diemtua.orgs.models import OrgUnit\n"
        "out = {'aliases': sorted(settings.DATABASES), 'routers': settings.DATABASE_ROUTERS,\n"
        "       'outside': OrgUnit.objects.all().db}\n"
        "with replica_reads():\n"
        "    out['inside'] = OrgUnit.objects.all().db\n"
        "    with connections[out['inside']].cursor() as cursor:\n"
        "        cursor.execute('SELECT 1')\n"
        "if 'replica' in settings.DATABASES:\n"
        "    out['mirror'] = settings.DATABASES['replica']['TEST']['MIRROR']\n"
        "print(json.dumps(out))\n"
    )

    def run(**extra):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("DATABASE_REPLICA_URL", None)
        env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'primary.sqlite3'}", **extra)
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    plain = run()
    assert (plain["aliases"], plain["routers"]) == (["default"], [])
    assert (plain["outside"], plain["inside"]) == ("default", "default")
    replica = run(DATABASE_REPLICA_URL=f"sqlite:///{tmp_path / 'replica.sqlite3'}")
    assert replica["aliases"] == ["default", "replica"]
    assert replica["routers"] == ["config.db_router.ReplicaRouter"]
    assert (replica["outside"], replica["inside"]) == ("default", "replica")
    assert replica["mirror"] == "default"
