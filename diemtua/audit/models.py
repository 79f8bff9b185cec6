"""The audit trail: append-only, each row carrying the hash of the one before it.

Confidentiality is the first principle of school counseling (Circular 18/2025), and Law
91/2025/QH15 requires that access to sensitive data be controlled and provable. So every read of
a student's record leaves a row here that nobody can quietly change: the ORM refuses updates and
deletes, PostgreSQL refuses them by trigger, and `manage.py audit_verify` detects any row that was
altered, removed or slipped in out of order.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    # Plain ids, not foreign keys: deleting a user or unit must never rewrite (or cascade into)
    # the trail. The username is copied so the row stays readable on its own.
    # Position in the chain, set by audit.services under a lock; gaps or repeats mean tampering.
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor_id = models.BigIntegerField(_("người thực hiện (id)"), null=True, blank=True)
    actor_username = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    action = models.CharField(_("hành động"), max_length=64, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=64, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    org_unit_id = models.BigIntegerField(_("đơn vị"), null=True, blank=True, db_index=True)
    reason = models.CharField(_("lý do"), max_length=255, blank=True)
    request_id = models.CharField(_("mã yêu cầu"), max_length=64, blank=True)
    extra = models.JSONField(_("chi tiết"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự kiện nhật ký")
        verbose_name_plural = _("nhật ký truy cập")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        from .actions import action_label

        return action_label(self.action)

    @property
    def attempted_username(self) -> str:
        """For failed logins: the name that was typed (there is no actor)."""
        return str(self.extra.get("username", "")) if self.action == "accounts.login_failed" else ""

    def canonical(self) -> str:
        """The exact text that is hashed: every field except the hash itself, in fixed order."""
        return json.dumps(
            {
                "seq": self.seq,
                "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
                "actor_id": self.actor_id,
                "actor_username": self.actor_username,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "org_unit_id": self.org_unit_id,
                "reason": self.reason,
                "request_id": self.request_id,
                "extra": self.extra,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        """HMAC-SHA256 under DIEMTUA_AUDIT_KEY: only the application can seal a row."""
        key = settings.DIEMTUA_AUDIT_KEY.encode("utf-8")
        return hmac.new(key, self.canonical().encode("utf-8"), hashlib.sha256).hexdigest()


class AuditChainHead(models.Model):
    """The last link of the chain, so removing the newest rows is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"head {self.seq}"
