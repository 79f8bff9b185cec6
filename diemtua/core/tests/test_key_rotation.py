import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from diemtua.audit.models import AuditEvent
from diemtua.students.models import Student


def _raw_support_needs(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT support_needs FROM students_student WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rotate_keys_moves_every_value_to_the_new_key(world, settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DIEMTUA_FIELD_KEYS = [old]
    student = Student.objects.get(pk=world.student_a.pk)
    student.support_needs = "Cần ngồi bàn đầu; hay lo âu trước giờ kiểm tra"
    student.save()
    before = _raw_support_needs(student.pk)
    Fernet(old.encode()).decrypt(before.encode())  # written under the old key

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    call_command("rotate_keys")
    assert "students.Student: 1 rows re-encrypted" in capsys.readouterr().out
    after = _raw_support_needs(student.pk)
    assert after != before and "lo âu" not in after
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(after.encode())

    # The old key can now be dropped: the value still reads back.
    settings.DIEMTUA_FIELD_KEYS = [new]
    assert Student.objects.get(pk=student.pk).support_needs.startswith("Cần ngồi bàn đầu")
    assert AuditEvent.objects.filter(action="core.rotate_keys").exists()
