import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from diemtua.audit import services as audit
from diemtua.audit.models import AppendOnlyError, AuditEvent
from diemtua.audit.verify import verify_chain


def _events(n=5):
    return [audit.record(actor=None, action="test.event", extra={"n": i}) for i in range(n)]


def _run_verify(capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify")
    return exit_info.value.code, capsys.readouterr()


def _raw(sql, params):
    """Tamper with the table the way an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_intact_chain_verifies(capsys):
    _events()
    call_command("audit_verify")
    assert "OK: 5 audit events verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_each_event_links_to_the_previous_one():
    first, second = _events(2)
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1


@pytest.mark.django_db
def test_altered_row_is_named(capsys):
    events = _events()
    _raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", events[2].pk])
    code, output = _run_verify(capsys)
    assert code == 1
    assert f"seq={events[2].seq} id={events[2].pk}" in output.err
    assert "altered" in output.err


@pytest.mark.django_db
def test_removed_row_is_named(capsys):
    events = _events()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    code, output = _run_verify(capsys)
    assert code == 1
    assert f"seq={events[2].seq}" in output.err


@pytest.mark.django_db
def test_removed_newest_row_is_detected(capsys):
    events = _events()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    code, output = _run_verify(capsys)
    assert code == 1
    assert "newest rows removed" in output.err


@pytest.mark.django_db
def test_row_inserted_out_of_order_is_named(capsys):
    events = _events(3)
    # Swap the positions of two rows: each still hashes correctly, but the links break.
    _raw("UPDATE audit_auditevent SET seq = 1000 WHERE id = %s", [events[0].pk])
    _raw("UPDATE audit_auditevent SET seq = 1 WHERE id = %s", [events[1].pk])
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE id = %s", [events[0].pk])
    code, output = _run_verify(capsys)
    assert code == 1
    assert "seq=1" in output.err


@pytest.mark.django_db
def test_orm_refuses_update_and_delete():
    (event,) = _events(1)
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert verify_chain().ok


@pytest.mark.django_db
def test_postgresql_trigger_refuses_raw_update_and_delete():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    (event,) = _events(1)
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.django_db
def test_event_keeps_request_id_and_actor(rf, django_user_model):
    user = django_user_model.objects.create_user(username="tv.x", password="x-password-123")
    request = rf.get("/")
    request.request_id = "abc123def456"
    event = audit.record(actor=user, action="test.read", request=request, reason="kiểm tra")
    event.refresh_from_db()
    assert (event.actor_id, event.actor_username) == (user.pk, "tv.x")
    assert event.request_id == "abc123def456"
    assert event.reason == "kiểm tra"


@pytest.mark.django_db
def test_floats_and_dates_in_extra_verify_on_every_database():
    import datetime

    audit.record(
        actor=None, action="test.values", extra={"x": 1e16, "d": datetime.date(2025, 6, 30)}
    )
    assert verify_chain().ok


@pytest.mark.django_db
def test_missing_head_row_with_events_is_detected(capsys):
    _events(3)
    _raw("DELETE FROM audit_auditchainhead", [])
    code, output = _run_verify(capsys)
    assert code == 1 and "head row is missing" in output.err


@pytest.mark.django_db
def test_a_row_resealed_without_the_key_is_detected(capsys):
    """An attacker with database access recomputes a plain SHA-256: the HMAC does not match."""
    import hashlib

    events = _events(3)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.reason = "forged"
    plain = hashlib.sha256(forged.canonical().encode("utf-8")).hexdigest()
    _raw(
        "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s",
        ["forged", plain, forged.pk],
    )
    code, output = _run_verify(capsys)
    assert code == 1 and f"seq={events[1].seq}" in output.err


def test_access_log_page_names_actions_in_vietnamese(world, client):
    client.login(username="tv.a", password="wrong-password")
    client.force_login(world.users["system_admin"])
    body = client.get("/audit/").content.decode()
    assert "Đăng nhập thất bại" in body and "tv.a?" in body
    assert "Tạo tài khoản" in body
    body = client.get("/audit/", {"action": "accounts.login_failed"}).content.decode()
    assert "Tạo tài khoản" not in body


@pytest.mark.django_db
def test_appending_after_newest_rows_were_removed_keeps_the_gap_visible(capsys):
    """The next event chains onto the head, not onto what is left: the deletion stays seen."""
    events = _events()
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    later = audit.record(actor=None, action="test.after")
    assert later.seq == events[-1].seq + 1
    code, output = _run_verify(capsys)
    assert code == 1
    assert f"seq={later.seq}" in output.err


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain(capsys):
    """Requests of several app servers append at once: one number each, no fork."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock matters on PostgreSQL")
    import threading

    from django.db import connections

    _events(1)
    failures = []

    def append(n):
        try:
            for i in range(15):
                audit.record(actor=None, action="test.concurrent", extra={"t": n, "i": i})
        except Exception as error:  # noqa: BLE001 — reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 62))
    call_command("audit_verify")
    assert "OK: 61 audit events verified" in capsys.readouterr().out


def _shown_seqs(response):
    return [e.seq for e in response.context["page"]]


def test_access_log_pages_by_key_not_by_offset(world, client):
    """The trail grows by a row per page view: pages are cut at a seq, newest first."""
    for i in range(230):
        audit.record(actor=None, action="test.paging", extra={"i": i})
    client.force_login(world.users["system_admin"])
    top = AuditEvent.objects.order_by("-seq").first().seq
    first = client.get("/audit/")
    assert _shown_seqs(first) == list(range(top, top - 100, -1))
    assert "Cũ hơn" in first.content.decode() and "Mới hơn" not in first.content.decode()
    older = client.get("/audit/", {"before": top - 99})
    assert _shown_seqs(older) == list(range(top - 100, top - 200, -1))
    assert "Mới hơn" in older.content.decode()
    back = client.get("/audit/", {"after": top - 100})
    assert _shown_seqs(back) == _shown_seqs(first)
    # A filter keeps its place in the links; the last page has no "older".
    filtered = client.get("/audit/", {"action": "test.paging", "before": top - 199})
    assert _shown_seqs(filtered) == list(range(top - 200, top - 231, -1))
    assert "Cũ hơn" not in filtered.content.decode()


@pytest.mark.parametrize("cursor", ["abc", "-5", "99999999999999999999", "１２"])
def test_access_log_odd_cursor_shows_the_first_page(world, client, cursor):
    audit.record(actor=None, action="test.paging")
    client.force_login(world.users["system_admin"])
    response = client.get("/audit/", {"before": cursor})
    assert response.status_code == 200
    assert _shown_seqs(response)[0] == AuditEvent.objects.order_by("-seq").first().seq
