"""Data written in plain text before a column became encrypted is encrypted by 0005."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone


@pytest.mark.django_db(transaction=True)
def test_plain_values_of_newly_encrypted_columns_are_encrypted(world):
    from diemtua.cases.models import Case

    case = Case.objects.create(
        school=world.school_a, opened_on=timezone.localdate(), opened_by=world.users["counselor"]
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET alias = %s WHERE id = %s", ["em lớp 7A", case.pk])
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0004_encrypt_names_and_labels")])
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0005_encrypt_existing_values")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT alias FROM cases_case WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("g2.") and "7A" not in stored
    assert Case.objects.get(pk=case.pk).alias == "em lớp 7A"
