"""Does recorded consent cover an action? (Law 91/2025/QH15, Decree 356/2025.)

The rules, as we read them for school counseling:
- Talking with the counselor (counseling) rests on the student's own agreement — voluntariness
  and self-determination are principles of Circular 18/2025 — and on a guardian's when the
  child is under 7, the age from which the law asks for the child's own consent.
- Contacting the family needs the student's agreement from age 7: telling parents is itself a
  disclosure of what the student confided.
- Screening and sharing with a partner process health data about a child outside the talk
  itself: they need the legal representative's consent *and* the child's from age 7.
- Silence is not consent; a withdrawn consent no longer covers anything from its withdrawal.
A student whose age we do not know (an anonymous case) is treated as 7 or older.
"""

import datetime

from django.utils.translation import gettext as _

from diemtua.core.text import fold

from .models import SCOPE_FIELDS, Case, ConsentGiver, Scope

CHILD_CONSENT_AGE = 7


def age_on(date_of_birth: datetime.date, on: datetime.date) -> int:
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - before_birthday


def who_must_agree(case: Case, scope: str, on: datetime.date) -> set[str]:
    return _givers_needed(case.student if case.student_id else None, scope, on)


def _givers_needed(student, scope: str, on: datetime.date) -> set[str]:
    age = age_on(student.date_of_birth, on) if student is not None else None
    child_counts = age is None or age >= CHILD_CONSENT_AGE
    needed = set()
    if child_counts:
        needed.add(ConsentGiver.STUDENT)
    if scope in (Scope.SCREENING, Scope.SHARING) or not child_counts:
        needed.add(ConsentGiver.GUARDIAN)
    return needed


def covering_consents(case: Case, scope: str, on: datetime.date, partner_name: str = ""):
    """Consents in force on `on` that cover `scope` (for sharing: with this partner)."""
    field = SCOPE_FIELDS[scope]
    found = [
        consent
        for consent in case.consents.all()
        if getattr(consent, field)
        and consent.given_on <= on
        and (consent.withdrawn_on is None or consent.withdrawn_on > on)
    ]
    if scope == Scope.SHARING:
        wanted = fold(partner_name)
        found = [consent for consent in found if fold(consent.partner_name) == wanted]
    return found


def missing_consent(case: Case, scope: str, on: datetime.date, partner_name: str = "") -> list:
    """Who still has to agree before `scope` may go ahead; empty when consent covers it."""
    givers = {c.given_by for c in covering_consents(case, scope, on, partner_name)}
    labels = {
        ConsentGiver.STUDENT: _("học sinh"),
        ConsentGiver.GUARDIAN: _("cha mẹ hoặc người giám hộ"),
    }
    needed = sorted(who_must_agree(case, scope, on))
    return [str(labels[giver]) for giver in needed if giver not in givers]


def student_lacks_counseling_consent(student, on: datetime.date, cases) -> bool:
    """For a student who joins a group session of another student's case: is their own
    consent to counseling on file on that date, in one of `cases` (those the counselor may
    see — a consent inside a restricted case must not reveal that the case exists)?"""
    from .models import Consent

    in_force = (
        Consent.objects.filter(
            case__in=cases, case__student=student, covers_counseling=True, given_on__lte=on
        )
        .exclude(withdrawn_on__lte=on)
        .values_list("given_by", flat=True)
    )
    return not _givers_needed(student, Scope.COUNSELING, on) <= set(in_force)
