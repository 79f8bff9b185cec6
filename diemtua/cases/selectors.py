"""Reads of requests and cases, limited to what the reader may see.

Counselors see their school's requests and cases, except restricted cases they are not assigned
to. Teachers see only their own referrals, as three words of status.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemtua.accounts import access
from diemtua.accounts.roles import STUDENT_DATA_ROLES, Role
from diemtua.audit.models import AuditEvent
from diemtua.core.text import fold

from . import intake
from .models import (
    Assessment,
    Case,
    Consent,
    Disclosure,
    EmergencyOverride,
    HelpRequest,
    PlanAction,
    RequestStatus,
    Session,
    Stage,
    StageChange,
    SupportPlan,
)

QUEUE_TABS = ("new", "mine", "follow_up", "overdue", "all")
# What a list never decrypts: free text is read on the detail pages, which are audited.
REQUEST_TEXT = ("message", "contact_detail", "contact_time", "reply")
CASE_TEXT = ("summary", "closing_summary")


def _assigned(user):
    return Case.counselors.through.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)


def _active_assignees():
    """Assigned counselors who still work as counselors at the case's school."""
    return Case.counselors.through.objects.filter(
        case_id=OuterRef("pk"),
        user__is_active=True,
        user__memberships__role=Role.COUNSELOR,
        user__memberships__org_unit_id=OuterRef("school_id"),
    )


def has_active_assignee(case: Case) -> bool:
    return Case.objects.filter(pk=case.pk).filter(Exists(_active_assignees())).exists()


def visible_cases(*, fetched_by, school) -> QuerySet[Case]:
    """Cases of `school` this counselor may see (403 for anyone who is not a counselor there):
    all but the restricted cases they are not assigned to."""
    access.require_roles_over(fetched_by, school.pk, STUDENT_DATA_ROLES)
    return (
        Case.objects.filter(school=school)
        .annotate(is_mine=Exists(_assigned(fetched_by)))
        .filter(Q(restricted=False) | Q(is_mine=True))
        .select_related("student")
        .defer(*CASE_TEXT)
    )


def orphaned_cases(*, fetched_by, school) -> QuerySet[Case]:
    """Restricted cases none of whose assigned counselors still works at the school (they
    left, their role was revoked, their account locked). The queue lists them by number only,
    so that a counselor takes one over, with a reason, and no child's case is forgotten."""
    access.require_roles_over(fetched_by, school.pk, STUDENT_DATA_ROLES)
    return (
        Case.objects.filter(school=school, restricted=True)
        .exclude(stage=Stage.CLOSED)
        .exclude(Exists(_active_assignees()))
        .only("pk", "opened_on", "stage", "is_urgent", "school_id")
        .order_by("-is_urgent", "opened_on")
    )


def new_requests(*, fetched_by, school) -> QuerySet[HelpRequest]:
    """Requests nobody has taken up yet: urgent first, then the oldest."""
    access.require_roles_over(fetched_by, school.pk, STUDENT_DATA_ROLES)
    return (
        HelpRequest.objects.filter(school=school, status=RequestStatus.NEW)
        .select_related("student", "referred_by")
        .prefetch_related("content_groups")
        .defer(*REQUEST_TEXT)
        .order_by("-is_urgent", "created_at")
    )


def queue_counts(*, fetched_by, school, today: datetime.date) -> dict[str, int]:
    cases = visible_cases(fetched_by=fetched_by, school=school)
    open_cases = cases.exclude(stage=Stage.CLOSED)
    counts = new_requests(fetched_by=fetched_by, school=school).aggregate(
        new=Count("pk"), urgent=Count("pk", filter=Q(is_urgent=True))
    )
    counts |= open_cases.aggregate(
        mine=Count("pk", filter=Q(is_mine=True)),
        follow_up=Count("pk", filter=Q(follow_up_on__lte=today)),
    )
    counts["overdue"] = overdue_actions(fetched_by=fetched_by, school=school, today=today).count()
    return counts


def queue_cases(
    *, fetched_by, school, tab: str, today: datetime.date, stage: str = "", query: str = ""
) -> QuerySet[Case]:
    cases = visible_cases(fetched_by=fetched_by, school=school).prefetch_related("counselors")
    if tab == "mine":
        cases = cases.filter(is_mine=True).exclude(stage=Stage.CLOSED)
    elif tab == "follow_up":
        cases = cases.exclude(stage=Stage.CLOSED).filter(follow_up_on__lte=today)
    if stage:
        cases = cases.filter(stage=stage)
    folded = fold(query)
    if folded:
        # Names only: a case's alias is encrypted free text and cannot be searched in SQL.
        cases = cases.filter(student__search_name__contains=folded)
    if tab == "follow_up":
        return cases.order_by("follow_up_on", "pk")
    return cases.order_by("-is_urgent", "-opened_on", "-pk")


def overdue_actions(*, fetched_by, school, today: datetime.date) -> QuerySet[PlanAction]:
    cases = visible_cases(fetched_by=fetched_by, school=school).exclude(stage=Stage.CLOSED)
    return (
        PlanAction.objects.filter(case__in=cases.values("pk"), status="open", due_on__lt=today)
        .select_related("case", "case__student")
        .order_by("due_on", "pk")
    )


def case_page(case: Case) -> dict:
    """Everything the case page shows, in a fixed number of queries."""
    return {
        "requests": list(case.requests.order_by("created_at").prefetch_related("content_groups")),
        "consents": list(case.consents.select_related("recorded_by")),
        "assessments": list(case.assessments.select_related("assessed_by")),
        "plans": list(case.plans.select_related("written_by")),
        "actions": list(case.actions.all()),
        "sessions": list(
            case.sessions.select_related("counselor", "emergency")
            .prefetch_related("content_groups")
            .annotate(student_count=Count("students"))
            .order_by("-held_at")  # annotate() with GROUP BY drops Meta.ordering on some DBs
        ),
        "stage_changes": list(case.stage_changes.select_related("changed_by")),
        "emergencies": list(case.emergencies.select_related("recorded_by")),
        "disclosures": list(case.disclosures.select_related("shared_by", "consent")),
        "content_groups": list(case.content_groups.all()),
    }


VIEW_ACTIONS = ("cases.case_view", "cases.session_view")


@dataclass(frozen=True)
class Viewer:
    username: str
    full_name: str
    last_viewed: datetime.datetime
    views: int


def case_viewers(case: Case, limit: int = 30) -> list[Viewer]:
    """Who read this case — its page, a session, one of its requests, or the student's
    chronology that shows it —, how often and when last: shown to its counselors.

    One line per person rather than per page load: a counselor working through a case opens it
    many times, and what the assigned counselor needs to notice is an unexpected name.
    """
    session_ids = [str(pk) for pk in case.sessions.values_list("pk", flat=True)]
    request_ids = [str(pk) for pk in case.requests.values_list("pk", flat=True)]
    seen = (
        Q(object_type="cases.case", object_id=str(case.pk), action="cases.case_view")
        | Q(object_type="cases.session", object_id__in=session_ids, action="cases.session_view")
        | Q(object_type="cases.helprequest", object_id__in=request_ids, action="cases.request_view")
    )
    if case.student_id:
        seen |= Q(
            object_type="students.student",
            object_id=str(case.student_id),
            action="cases.chronology_view",
        )
    rows = (
        AuditEvent.objects.filter(seen)
        .values("actor_username")
        .annotate(last_viewed=Max("occurred_at"), views=Count("pk"))
        .order_by("-last_viewed")[:limit]
    )
    rows = list(rows)
    from diemtua.accounts.models import User

    names = dict(
        User.objects.filter(username__in=[r["actor_username"] for r in rows]).values_list(
            "username", "full_name"
        )
    )
    return [
        Viewer(
            r["actor_username"], names.get(r["actor_username"], ""), r["last_viewed"], r["views"]
        )
        for r in rows
    ]


def school_counselors(school_id: int):
    """Active counselors of a school: who a case may be assigned to."""
    from diemtua.accounts.models import User

    return (
        User.objects.filter(
            memberships__org_unit_id=school_id, memberships__role=Role.COUNSELOR, is_active=True
        )
        .distinct()
        .order_by("full_name")
    )


# --- Teachers ----------------------------------------------------------------------------


# Lazy: the teacher's page is rendered in the teacher's language, not the one at import time.
TEACHER_STATUS_LABELS = {
    intake.PublicStatus.SENT: gettext_lazy("Đã gửi, chờ tiếp nhận"),
    intake.PublicStatus.IN_PROGRESS: gettext_lazy("Đang được hỗ trợ"),
    intake.PublicStatus.DONE: gettext_lazy("Đã kết thúc"),
}


@dataclass(frozen=True)
class ReferralStatus:
    pk: int
    student_name: str
    class_name: str
    sent_at: datetime.datetime
    status: str

    @property
    def label(self) -> str:
        return str(TEACHER_STATUS_LABELS[self.status])


def teacher_referrals(*, fetched_by) -> list[ReferralStatus]:
    """The referrals this teacher made, with only whether they were taken up — no content."""
    access.require_role(fetched_by, {Role.TEACHER})
    referrals = (
        HelpRequest.objects.filter(referred_by=fetched_by)
        .select_related("student", "case")
        .only(
            "pk",
            "created_at",
            "status",
            "class_name",
            "student__full_name",
            "student__class_name",
            "case__stage",
        )
        .order_by("-created_at")
    )
    return [
        ReferralStatus(
            pk=r.pk,
            student_name=r.student.full_name,
            class_name=r.student.class_name,
            sent_at=r.created_at,
            status=intake.public_status(r),
        )
        for r in referrals
    ]


# --- Chronology --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime | datetime.date
    kind: str
    title: str
    text: str = ""
    case_id: int | None = None
    url: str = ""

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime.datetime)

    @property
    def sort_key(self) -> datetime.datetime:
        """Local wall-clock time; a bare date sorts at the end of its day."""
        if self.has_time:
            return timezone.localtime(self.when).replace(tzinfo=None)
        return datetime.datetime.combine(self.when, datetime.time.max)


def chronology(*, fetched_by, student) -> list[Entry]:
    """One timeline of everything recorded about a student, newest first.

    Restricted cases the reader is not assigned to are left out entirely.
    """
    visible = visible_cases(fetched_by=fetched_by, school=student.school)
    # The student's own cases give every entry; a case of another student in which this one
    # only took part in a group session gives that session and nothing else of it.
    case_ids = list(visible.filter(student=student).values_list("pk", flat=True))
    group_case_ids = list(
        visible.filter(sessions__students=student)
        .exclude(pk__in=case_ids)
        .values_list("pk", flat=True)
        .distinct()
    )
    entries: list[Entry] = []

    def case_url(case_id):
        return reverse("case_detail", kwargs={"pk": case_id})

    # The student's requests, wherever they were filed (also into an anonymous case), unless
    # that case is hidden from the reader.
    requests = HelpRequest.objects.filter(student=student).filter(
        Q(case__isnull=True) | Q(case__in=visible.values("pk"))
    )
    for r in requests:
        entries.append(
            Entry(r.created_at, "request", _("Yêu cầu hỗ trợ (%(channel)s)")
                  % {"channel": r.get_channel_display()}, r.message, r.case_id,
                  reverse("request_detail", kwargs={"pk": r.pk}))
        )  # fmt: skip
    for change in StageChange.objects.filter(case_id__in=case_ids).select_related("changed_by"):
        title = (
            _("Mở hồ sơ #%(case)s") % {"case": change.case_id}
            if not change.from_stage
            else _("Hồ sơ #%(case)s: chuyển sang bước “%(stage)s”")
            % {"case": change.case_id, "stage": change.get_to_stage_display()}
        )
        entries.append(
            Entry(change.changed_at, "stage", title, change.reason, change.case_id,
                  case_url(change.case_id))
        )  # fmt: skip
    sessions = Session.objects.filter(
        case_id__in=case_ids + group_case_ids, students=student
    ).select_related("counselor")
    for s in sessions:
        entries.append(
            Entry(s.held_at, "session", _("Buổi tư vấn: %(form)s, %(minutes)s phút")
                  % {"form": s.get_form_display(), "minutes": s.duration_minutes},
                  s.notes, s.case_id, reverse("session_detail", kwargs={"pk": s.pk}))
        )  # fmt: skip
    for a in Assessment.objects.filter(case_id__in=case_ids):
        entries.append(
            Entry(a.assessed_on, "assessment", _("Đánh giá: nguy cơ %(level)s")
                  % {"level": a.get_risk_level_display()}, a.risk_reasons, a.case_id,
                  case_url(a.case_id))
        )  # fmt: skip
    for p in SupportPlan.objects.filter(case_id__in=case_ids):
        entries.append(
            Entry(p.created_at, "plan", _("Kế hoạch hỗ trợ, phiên bản %(version)s")
                  % {"version": p.version}, p.goals, p.case_id, case_url(p.case_id))
        )  # fmt: skip
    for c in Consent.objects.filter(case_id__in=case_ids):
        entries.append(
            Entry(c.given_on, "consent", _("%(giver)s đồng ý: %(scopes)s")
                  % {"giver": c.get_given_by_display(), "scopes": ", ".join(c.scopes())},
                  "", c.case_id, case_url(c.case_id))
        )  # fmt: skip
        if c.withdrawn_on:
            entries.append(
                Entry(c.withdrawn_on, "consent", _("%(giver)s rút lại sự đồng ý")
                      % {"giver": c.get_given_by_display()}, c.withdrawal_note, c.case_id,
                      case_url(c.case_id))
            )  # fmt: skip
    for d in Disclosure.objects.filter(case_id__in=case_ids):
        entries.append(
            Entry(d.shared_at, "referral", _("Chia sẻ thông tin với %(partner)s")
                  % {"partner": d.partner_name}, d.content, d.case_id, case_url(d.case_id))
        )  # fmt: skip
    from diemtua.referrals.models import Referral, ReferralStatus

    referrals = Referral.objects.filter(case_id__in=case_ids).select_related("provider")
    for r in referrals.prefetch_related("appointments"):
        url = reverse("partner_referral_detail", kwargs={"pk": r.pk})
        partner = {"partner": r.provider.name}
        entries.append(
            Entry(r.sent_at, "referral", _("Chuyển gửi tới %(partner)s") % partner, r.reason,
                  r.case_id, url)
        )  # fmt: skip
        if r.responded_at and r.status == ReferralStatus.DECLINED:
            entries.append(
                Entry(r.responded_at, "referral", _("%(partner)s từ chối chuyển gửi") % partner,
                      r.decline_reason, r.case_id, url)
            )  # fmt: skip
        elif r.responded_at:
            entries.append(
                Entry(r.responded_at, "referral", _("%(partner)s tiếp nhận chuyển gửi") % partner,
                      "", r.case_id, url)
            )  # fmt: skip
        for a in r.appointments.all():
            entries.append(
                Entry(a.at, "referral", _("Lịch hẹn tại %(partner)s") % partner, a.details,
                      r.case_id, url)
            )  # fmt: skip
        if r.closed_at:
            entries.append(
                Entry(r.closed_at, "referral", _("%(partner)s kết thúc chuyển gửi: %(outcome)s")
                      % {**partner, "outcome": r.get_outcome_display()}, r.feedback, r.case_id,
                      url)
            )  # fmt: skip
    for e in EmergencyOverride.objects.filter(case_id__in=case_ids):
        entries.append(
            Entry(e.recorded_at, "emergency", _("Khẩn cấp: làm “%(scope)s” khi chưa có đồng ý")
                  % {"scope": e.get_scope_display()}, e.reason, e.case_id, case_url(e.case_id))
        )  # fmt: skip
    return sorted(entries, key=lambda entry: entry.sort_key, reverse=True)


def referral_students(*, fetched_by):
    """Students a teacher may flag: their school's, names and classes only."""
    from diemtua.students.models import Student

    schools = access.require_role(fetched_by, {Role.TEACHER})
    return (
        Student.objects.filter(school__in=schools, is_active=True)
        .only("pk", "full_name", "class_name", "grade", "school_id", "sort_name")
        .order_by("grade", "class_name", "sort_name")
    )


# --- Safeguarding alerts ------------------------------------------------------------------


def open_alerts(*, fetched_by, schools) -> list:
    """Alerts a school's counselors and leadership must see: unacknowledged ones, and
    child-protection alerts whose report is not recorded yet. Metadata only."""
    from .models import SafeguardingAlert

    ids = [s.pk for s in schools]
    for school_id in ids:
        access.require_roles_over(fetched_by, school_id, {Role.COUNSELOR, Role.SCHOOL_LEAD})
    return list(
        SafeguardingAlert.objects.filter(school_id__in=ids)
        .filter(Q(acknowledged_at__isnull=True) | Q(report_due_at__isnull=False, reports=None))
        .select_related("school")
        .prefetch_related("reports")
        .order_by("acknowledged_at", "-level", "raised_at")
    )


def escalated_alerts(*, fetched_by, units) -> list:
    """Alerts that reached the Department's level in the officer's province, unacknowledged."""
    from diemtua.orgs.models import OrgUnitAncestor

    from .models import AlertLevel, SafeguardingAlert

    below = OrgUnitAncestor.objects.filter(ancestor__in=units).values("descendant_id")
    return list(
        SafeguardingAlert.objects.filter(
            school_id__in=below, level=AlertLevel.DEPARTMENT, acknowledged_at__isnull=True
        )
        .select_related("school")
        .order_by("raised_at")
    )
