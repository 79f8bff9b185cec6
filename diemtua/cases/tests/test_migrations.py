"""Data written in plain text before a column became encrypted is encrypted by 0005."""

import importlib
import types

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

migration = importlib.import_module("diemtua.cases.migrations.0005_encrypt_existing_values")
# The data function only uses the editor's connection (a real schema editor cannot open inside
# the test's transaction on SQLite).
EDITOR = types.SimpleNamespace(connection=connection)


def _raw(case, value=None):
    with connection.cursor() as cursor:
        if value is not None:
            cursor.execute("UPDATE cases_case SET alias = %s WHERE id = %s", [value, case.pk])
        cursor.execute("SELECT alias FROM cases_case WHERE id = %s", [case.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("plain", ["em lớp 7A", "g2.bạn Giang lớp 8"])  # the 2nd looks like a token
def test_plain_values_of_newly_encrypted_columns_are_encrypted_once(world, plain):
    from diemtua.cases.models import Case

    case = Case.objects.create(
        school=world.school_a, opened_on=timezone.localdate(), opened_by=world.users["counselor"]
    )
    _raw(case, plain)
    migration.encrypt_plain_values(apps, EDITOR)
    stored = _raw(case)
    assert stored.startswith("g2.") and plain not in stored
    assert Case.objects.get(pk=case.pk).alias == plain
    migration.encrypt_plain_values(apps, EDITOR)  # a second run leaves encrypted values alone
    assert _raw(case) == stored
