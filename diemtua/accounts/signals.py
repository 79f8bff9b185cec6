"""Logins, failed logins and logouts go to the audit trail.

Django announces these only through signals, so this is the one place we listen to them; the
handlers do nothing but record.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from diemtua.audit import services as audit


@receiver(user_logged_in)
def _record_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="accounts.login", obj=user, request=request)


@receiver(user_logged_out)
def _record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="accounts.logout", obj=user, request=request)


@receiver(user_login_failed)
def _record_login_failure(sender, credentials, request=None, **kwargs):
    audit.record(
        actor=None,
        action="accounts.login_failed",
        request=request,
        extra={"username": str(credentials.get("username", ""))[:150]},
    )
