"""Writing the audit trail. `record` is the only way rows are created."""

from django.db import connection, transaction
from django.utils import timezone

from .models import GENESIS_HASH, AuditChainHead, AuditEvent

# Any constant works: it names the one advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_ID = 7_310_2024


def _lock_chain() -> None:
    """Serialise appends so two requests never chain onto the same previous row.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serialised by
    the database lock, so nothing more is needed.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


def _plain(value):
    """Keep `extra` to values every database stores exactly as given.

    The hash is computed before the insert; PostgreSQL's jsonb rewrites floats (1e16 comes back
    as 10000000000000000), which would later look like tampering. Floats and other types are
    stored as text.
    """
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def _describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


@transaction.atomic
def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    org_unit=None,
    reason: str = "",
    request=None,
    extra: dict | None = None,
) -> AuditEvent:
    """Append one event. `actor` is a user or None for the system (commands, jobs)."""
    if obj is not None:
        object_type, object_id = _describe(obj)
    # The head row is the lock: SELECT … FOR UPDATE serialises appends on PostgreSQL (SQLite
    # serialises writers by itself) and hands over the last link, in one query instead of an
    # advisory lock, a scan for the newest row and an upsert. Rows deleted from the end while
    # the head stayed leave a gap the next append does not paper over: audit_verify sees it.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    else:
        seq, prev_hash = head.seq, head.hash
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        seq=seq + 1,
        occurred_at=timezone.now(),
        actor_id=actor.pk if is_user else None,
        actor_username=actor.get_username() if is_user else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        org_unit_id=getattr(org_unit, "pk", org_unit),
        reason=reason[:255],
        request_id=getattr(request, "request_id", "") if request is not None else "",
        extra=_plain(extra or {}),
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    if head is None:
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"seq": event.seq, "hash": event.hash}
        )
    else:
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event
