import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from diemtua.audit.models import AuditEvent
from diemtua.cases.models import HelpRequest, RequestChannel, Requester
from diemtua.core import crypto
from diemtua.students.models import Student

SECRET = "Cần ngồi bàn đầu; hay lo âu trước giờ kiểm tra"
MESSAGE = "Em bị bắt nạt ở căng tin, xin cô giúp"
REPLY = "Cô sẽ gặp em giờ ra chơi"


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def _set_raw(table, column, pk, value):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def _raw_support_needs(pk):
    return _raw("students_student", "support_needs", pk)


def _set_raw_support_needs(pk, value):
    _set_raw("students_student", "support_needs", pk, value)


def _g1_token(key: str, text: str) -> str:
    """A token as written before column binding (g1: fixed associated data), from the spec."""
    aes_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"diemtua field encryption v1"
    ).derive(base64.urlsafe_b64decode(key))
    nonce = b"\x01" * 12
    sealed = AESGCM(aes_key).encrypt(nonce, text.encode("utf-8"), b"diemtua:g1")
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()
    return f"g1.{crypto.key_id(key)}.{body}"


def _help_request(world, **values):
    return HelpRequest.objects.create(
        school=world.school_a,
        channel=RequestChannel.COUNSELOR,
        requester=Requester.STUDENT,
        **values,
    )


@pytest.mark.django_db
def test_rotate_keys_moves_every_value_to_the_new_key(world, settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DIEMTUA_FIELD_KEYS = [old]
    student = Student.objects.get(pk=world.student_a.pk)
    student.support_needs = SECRET
    student.save()
    before = _raw_support_needs(student.pk)
    assert before.startswith(f"g2.{crypto.key_id(old)}.")  # written under the old key

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    call_command("rotate_keys")
    assert "students.Student: 1 rows re-encrypted" in capsys.readouterr().out
    after = _raw_support_needs(student.pk)
    assert after != before and "lo âu" not in after
    assert after.startswith(f"g2.{crypto.key_id(new)}.")

    # The old key can now be dropped: the value still reads back.
    settings.DIEMTUA_FIELD_KEYS = [new]
    assert Student.objects.get(pk=student.pk).support_needs == SECRET
    assert AuditEvent.objects.filter(action="core.rotate_keys").exists()


@pytest.mark.django_db
def test_rotate_keys_turns_g1_values_into_g2_bound_to_their_column(world, settings, capsys):
    """bulk_update (a CASE of Values per field) binds each field to its own column."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.DIEMTUA_FIELD_KEYS = [old]
    request = _help_request(world)
    _set_raw("cases_helprequest", "message", request.pk, _g1_token(old, MESSAGE))
    _set_raw("cases_helprequest", "reply", request.pk, _g1_token(old, REPLY))
    _set_raw_support_needs(world.student_a.pk, _g1_token(old, SECRET))
    assert HelpRequest.objects.get(pk=request.pk).message == MESSAGE  # g1 still reads

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    call_command("rotate_keys")
    out = capsys.readouterr().out
    assert "students.Student: 1 rows re-encrypted" in out
    assert "cases.HelpRequest: 1 rows re-encrypted" in out

    message = _raw("cases_helprequest", "message", request.pk)
    reply = _raw("cases_helprequest", "reply", request.pk)
    support_needs = _raw_support_needs(world.student_a.pk)
    for token in [message, reply, support_needs]:
        assert token.startswith(f"g2.{crypto.key_id(new)}.")
    assert _raw("cases_helprequest", "contact_detail", request.pk) == ""  # "" stays ""

    settings.DIEMTUA_FIELD_KEYS = [new]
    again = HelpRequest.objects.get(pk=request.pk)
    assert (again.message, again.reply, again.contact_detail) == (MESSAGE, REPLY, "")
    assert Student.objects.get(pk=world.student_a.pk).support_needs == SECRET
    assert crypto.decrypt(message, crypto.context_for(HelpRequest, "message")) == MESSAGE
    assert crypto.decrypt(reply, crypto.context_for_table("cases_helprequest", "reply")) == REPLY
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(message, crypto.context_for(HelpRequest, "reply"))


@pytest.mark.django_db
def test_rotate_keys_turns_legacy_fernet_values_into_g2(world, settings, capsys):
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
    assert after.startswith(f"g2.{crypto.key_id(new)}.") and "lo âu" not in after

    settings.DIEMTUA_FIELD_KEYS = [new]
    assert Student.objects.get(pk=world.student_a.pk).support_needs == SECRET

    # Without rotation, dropping the old key would have made the legacy row unreadable.
    _set_raw_support_needs(world.student_a.pk, legacy)
    with pytest.raises(ImproperlyConfigured):
        Student.objects.get(pk=world.student_a.pk).support_needs  # noqa: B018


@pytest.mark.django_db
def test_token_copied_into_another_column_is_refused(world):
    """Someone who can write to the database but holds no key copies a value somewhere readable."""
    student = Student.objects.get(pk=world.student_a.pk)
    student.support_needs = SECRET
    student.save()
    request = _help_request(world, message="Em cần nói chuyện", reply="Được em")

    with connection.cursor() as cursor:
        # Into another table's column, another row.
        cursor.execute(
            "UPDATE cases_helprequest SET message = "
            "(SELECT support_needs FROM students_student WHERE id = %s) WHERE id = %s",
            [student.pk, request.pk],
        )
        # Within one table: another column of the same row.
        cursor.execute("UPDATE cases_helprequest SET reply = message WHERE id = %s", [request.pk])
    assert _raw("cases_helprequest", "reply", request.pk) == _raw_support_needs(student.pk)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        HelpRequest.objects.get(pk=request.pk)
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message
    assert _raw_support_needs(student.pk) not in message and "lo âu" not in message
    with pytest.raises(ImproperlyConfigured):
        HelpRequest.objects.only("pk", "reply").get(pk=request.pk).reply  # noqa: B018

    # The source is untouched and still reads.
    assert Student.objects.get(pk=student.pk).support_needs == SECRET


@pytest.mark.django_db
def test_same_column_of_another_row_is_not_bound_by_design(world):
    """Rows are not bound (see crypto): a copy within one column still reads."""
    student = Student.objects.get(pk=world.student_a.pk)
    student.support_needs = SECRET
    student.save()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE students_student SET support_needs = "
            "(SELECT support_needs FROM students_student WHERE id = %s) WHERE id = %s",
            [student.pk, world.student_b.pk],
        )
    assert Student.objects.get(pk=world.student_b.pk).support_needs == SECRET


@pytest.mark.django_db
def test_empty_and_isnull_lookups_still_work(world):
    _help_request(world, message="Em cần nói chuyện")
    _help_request(world)
    assert HelpRequest.objects.filter(message="").count() == 1
    assert HelpRequest.objects.exclude(message="").count() == 1
    assert HelpRequest.objects.filter(message__isnull=True).count() == 0
