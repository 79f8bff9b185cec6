from django.db.models import QuerySet

from diemtua.accounts import access
from diemtua.accounts.roles import Role

from .models import AuditEvent


def event_list(*, fetched_by, action: str = "", actor: str = "") -> QuerySet[AuditEvent]:
    """The trail for system administrators: who did what, when (no record contents)."""
    access.require_role(fetched_by, {Role.SYSTEM_ADMIN})
    qs = AuditEvent.objects.order_by("-seq")  # the view pages it by seq (core.keyset)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_username__iexact=actor)
    return qs


def events_for_object(*, obj, limit: int = 20) -> list[AuditEvent]:
    """Who looked at this record: shown to the counselors who may see the record itself."""
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("-seq")[:limit]
    )
