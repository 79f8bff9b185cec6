import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from diemtua.audit.models import AuditEvent
from diemtua.core import crypto
from diemtua.students.models import Student

SECRET = "Cần ngồi bàn đầu; hay lo âu trước giờ kiểm tra"


def _raw_support_needs(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT support_needs FROM students_student WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _set_raw_support_needs(pk, value):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE students_student SET support_needs = %s WHERE id = %s", [value, pk])


@pytest.mark.django_db
def test_rotate_keys_moves_every_value_to_the_new_key(world, settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DIEMTUA_FIELD_KEYS = [old]
    student = Student.objects.get(pk=world.student_a.pk)
    student.support_needs = SECRET
    student.save()
    before = _raw_support_needs(student.pk)
    assert before.startswith(f"g1.{crypto.key_id(old)}.")  # written under the old key

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    call_command("rotate_keys")
    assert "students.Student: 1 rows re-encrypted" in capsys.readouterr().out
    after = _raw_support_needs(student.pk)
    assert after != before and "lo âu" not in after
    assert after.startswith(f"g1.{crypto.key_id(new)}.")

    # The old key can now be dropped: the value still reads back.
    settings.DIEMTUA_FIELD_KEYS = [new]
    assert Student.objects.get(pk=student.pk).support_needs == SECRET
    assert AuditEvent.objects.filter(action="core.rotate_keys").exists()


@pytest.mark.django_db
def test_rotate_keys_turns_legacy_fernet_values_into_g1(world, settings, capsys):
    """Rows written before AES-GCM (Fernet tokens) are readable, and rotate_keys rewrites them."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    legacy = Fernet(old.encode()).encrypt(SECRET.encode("utf-8")).decode("ascii")
    _set_raw_support_needs(world.student_a.pk, legacy)

    settings.DIEMTUA_FIELD_KEYS = [old]
    assert Student.objects.get(pk=world.student_a.pk).support_needs == SECRET

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    call_command("rotate_keys")
    assert "students.Student: 1 rows re-encrypted" in capsys.readouterr().out
    after = _raw_support_needs(world.student_a.pk)
    assert after.startswith(f"g1.{crypto.key_id(new)}.") and "lo âu" not in after

    settings.DIEMTUA_FIELD_KEYS = [new]
    assert Student.objects.get(pk=world.student_a.pk).support_needs == SECRET

    # Without rotation, dropping the old key would have made the legacy row unreadable.
    _set_raw_support_needs(world.student_a.pk, legacy)
    with pytest.raises(ImproperlyConfigured):
        Student.objects.get(pk=world.student_a.pk).support_needs  # noqa: B018
