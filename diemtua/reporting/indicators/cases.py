"""Counseling and cases: students counseled, sessions, cases opened, closed and open, and how
fast a request gets its first answer (Circular 18/2025 Art. 8–10: counseling forms and the
social-work process from receiving a case to closing it)."""

import datetime

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from diemtua.cases.models import Case, HelpRequest, Session, SessionForm, Stage, StageChange

from .base import (
    Indicator,
    Kind,
    added,
    counted,
    datetime_between,
    day_end,
    distribution,
    flag,
    in_units,
    local_day,
    register,
)

SECTION = _("Tư vấn và hồ sơ hỗ trợ")

# A student's own attributes (today's record: a student's grade is the one they are in now).
STUDENT = {"gender": "gender", "grade": "grade", "ethnicity": "ethnicity"}


def _student_dims(prefix: str) -> dict[str, str]:
    return {code: f"{prefix}{field}" for code, field in STUDENT.items()}


def _unknown_everywhere(rows, dims=tuple(STUDENT)):
    """Rows counting anonymous students: their total, and "unknown" for each dimension."""
    out = []
    for unit_id, key, value in rows:
        if key == "":
            out.append((unit_id, "", value))
            out += [(unit_id, f"{code}=unknown", value) for code in dims]
    return out


def _sessions_in(period, unit_ids):
    return in_units(Session.objects.all(), "school_id", unit_ids).filter(
        **datetime_between("held_at", period)
    )


def _counseled(period, unit_ids):
    """Distinct students in the period's sessions: every student listed on a session (a group
    session lists each participant), plus one per anonymous case that had a session (the child
    has no student record, so each such case is one child)."""
    through = Session.students.through.objects.filter(
        session__in=_sessions_in(period, unit_ids).values("pk")
    )
    named = counted(
        through, "session__school_id", _student_dims("student__"), distinct="student_id"
    )
    anonymous = counted(
        _sessions_in(period, unit_ids).filter(case__student__isnull=True),
        "school_id",
        distinct="case_id",
    )
    return added(named, _unknown_everywhere(anonymous))


def _sessions(period, unit_ids):
    return counted(
        _sessions_in(period, unit_ids),
        "school_id",
        {"form": "form", "content_group": "content_groups"},
    )


def _group_participants(period, unit_ids):
    """Places taken in group sessions: each student listed on a group session of the period,
    once per session, plus the case's own student when the case is anonymous."""
    group = _sessions_in(period, unit_ids).filter(form=SessionForm.GROUP)
    through = Session.students.through.objects.filter(session__in=group.values("pk"))
    named = counted(through, "session__school_id", _student_dims("student__"))
    anonymous = counted(group.filter(case__student__isnull=True), "school_id")
    return added(named, _unknown_everywhere(anonymous))


CASE_DIMS = {**_student_dims("student__"), "content_group": "content_groups"}


def _cases(unit_ids):
    return in_units(Case.objects.all(), "school_id", unit_ids)


def _opened(period, unit_ids):
    qs = _cases(unit_ids).filter(opened_on__range=(period.starts_on, period.ends_on))
    qs = qs.annotate(_urgency=flag("is_urgent", "urgent", "normal"))
    return counted(qs, "school_id", {**CASE_DIMS, "urgency": "_urgency"})


def _closed(period, unit_ids):
    """Cases closed in the period, by the stage history: a case reopened since still counts
    for the period it was closed in (its closed_on was cleared when it was reopened)."""
    closings = StageChange.objects.filter(
        to_stage=Stage.CLOSED, **datetime_between("changed_at", period)
    )
    qs = _cases(unit_ids).filter(pk__in=closings.values("case_id"))
    return counted(qs, "school_id", {**CASE_DIMS, "outcome": "outcome"})


def open_on(day: datetime.date, unit_ids=None):
    """Cases open at the end of `day`: opened on or before it, and whose last stage change
    recorded up to that day did not close them. A case with no change recorded yet by then
    (opened with an earlier date than the day it was typed in) counts as open."""
    last_stage = (
        StageChange.objects.filter(case=OuterRef("pk"), changed_at__lt=day_end(day))
        .order_by("-changed_at", "-pk")
        .values("to_stage")[:1]
    )
    return (
        _cases(unit_ids)
        .filter(opened_on__lte=day)
        # Closed now, last closed by that day: closed then too, without reading the history
        # (closing sets closed_on to the day of its stage change; reopening clears it). This
        # keeps years of closed cases out of the per-case subquery.
        .exclude(stage=Stage.CLOSED, closed_on__lte=day)
        .annotate(_stage=Coalesce(Subquery(last_stage), Value(Stage.RECEIVED)))
        .exclude(_stage=Stage.CLOSED)
    )


def _open_at_start(period, unit_ids):
    day = period.starts_on - datetime.timedelta(days=1)
    return counted(open_on(day, unit_ids), "school_id", CASE_DIMS)


def _open_at_end(period, unit_ids):
    return counted(open_on(period.ends_on, unit_ids), "school_id", CASE_DIMS)


def _days_to_first_contact(period, unit_ids):
    qs = in_units(HelpRequest.objects.all(), "school_id", unit_ids).filter(
        **datetime_between("created_at", period)
    )
    # First contact: the counselor attached the request to a case or wrote a reply, whichever
    # came first (cases.services: _attach sets handled_at, request_reply replied_at).
    pairs = []
    for unit_id, created, handled, replied in qs.values_list(
        "school_id", "created_at", "handled_at", "replied_at"
    ):
        moments = [m for m in (handled, replied) if m]
        if moments:
            days = (local_day(min(moments)) - local_day(created)).days
            pairs.append((unit_id, max(days, 0)))
    return distribution(pairs)


register(
    Indicator(
        code="students_counseled",
        name=_("Học sinh được tư vấn"),
        description=_(
            "Số học sinh khác nhau đã dự ít nhất một buổi tư vấn (cá nhân, nhóm, trực tuyến, "
            "qua điện thoại) có thời gian diễn ra trong kỳ. Mỗi học sinh có tên trong buổi tư "
            "vấn được đếm một lần dù dự nhiều buổi; mỗi hồ sơ ẩn danh có buổi tư vấn trong kỳ "
            "được đếm là một học sinh (giới tính, khối, dân tộc: “không rõ”). Khối lớp và dân "
            "tộc theo hồ sơ học sinh hiện tại."
        ),
        section=SECTION,
        compute=_counseled,
        dimensions=("gender", "grade", "ethnicity"),
    )
)

register(
    Indicator(
        code="sessions",
        name=_("Buổi tư vấn"),
        description=_(
            "Số buổi tư vấn đã ghi trong hồ sơ có thời gian diễn ra trong kỳ, theo hình thức "
            "(cá nhân, nhóm, trực tuyến, qua điện thoại) và nhóm nội dung (một buổi có thể "
            "thuộc nhiều nhóm nội dung)."
        ),
        section=SECTION,
        compute=_sessions,
        dimensions=("form", "content_group"),
    )
)

register(
    Indicator(
        code="group_participants",
        name=_("Lượt học sinh dự tư vấn nhóm"),
        description=_(
            "Tổng số lượt học sinh tham gia các buổi tư vấn nhóm diễn ra trong kỳ: mỗi học sinh "
            "có tên trong một buổi nhóm là một lượt (dự hai buổi là hai lượt); học sinh của hồ "
            "sơ ẩn danh là một lượt."
        ),
        section=SECTION,
        compute=_group_participants,
        dimensions=("gender", "grade", "ethnicity"),
    )
)

register(
    Indicator(
        code="cases_opened",
        name=_("Hồ sơ hỗ trợ mới mở"),
        description=_(
            "Số hồ sơ hỗ trợ có ngày mở trong kỳ, theo giới tính, khối lớp, dân tộc của học "
            "sinh (hồ sơ ẩn danh: “không rõ”), mức độ gấp và nhóm nội dung."
        ),
        section=SECTION,
        compute=_opened,
        dimensions=("gender", "grade", "ethnicity", "urgency", "content_group"),
    )
)

register(
    Indicator(
        code="cases_closed",
        name=_("Hồ sơ hỗ trợ đã kết thúc"),
        description=_(
            "Số hồ sơ được chuyển sang bước “Kết thúc” trong kỳ, theo lịch sử các bước của hồ "
            "sơ (hồ sơ đã mở lại sau đó vẫn được tính cho kỳ đã kết thúc; kết thúc hai lần "
            "trong một kỳ tính một). Kết quả hỗ trợ là kết quả hiện ghi trên hồ sơ (hồ sơ đang "
            "mở lại: “không rõ”)."
        ),
        section=SECTION,
        compute=_closed,
        dimensions=("gender", "grade", "ethnicity", "outcome", "content_group"),
    )
)

register(
    Indicator(
        code="cases_open_at_start",
        name=_("Hồ sơ đang mở đầu kỳ"),
        description=_(
            "Số hồ sơ đang mở vào cuối ngày trước ngày đầu kỳ: có ngày mở trước kỳ và bước cuối "
            "cùng được ghi đến hết ngày đó không phải “Kết thúc”."
        ),
        section=SECTION,
        compute=_open_at_start,
        dimensions=("gender", "grade", "ethnicity", "content_group"),
    )
)

register(
    Indicator(
        code="cases_open_at_end",
        name=_("Hồ sơ đang mở cuối kỳ"),
        description=_(
            "Số hồ sơ đang mở vào cuối ngày cuối kỳ: có ngày mở đến hết kỳ và bước cuối cùng "
            "được ghi đến hết ngày đó không phải “Kết thúc” (hồ sơ đã kết thúc rồi mở lại được "
            "tính là đang mở từ ngày mở lại)."
        ),
        section=SECTION,
        compute=_open_at_end,
        dimensions=("gender", "grade", "ethnicity", "content_group"),
    )
)

register(
    Indicator(
        code="days_to_first_contact",
        name=_("Số ngày từ khi nhận yêu cầu đến khi phản hồi lần đầu"),
        description=_(
            "Với các yêu cầu hỗ trợ nhận trong kỳ (theo ngày nhận) đã được phản hồi: số ngày "
            "từ ngày nhận đến ngày cán bộ tư vấn phản hồi lần đầu (gắn vào hồ sơ hoặc viết lời "
            "trả lời, lấy việc nào sớm hơn); cùng ngày là 0. Hiển thị trung vị; yêu cầu chưa "
            "được phản hồi không được tính."
        ),
        section=SECTION,
        compute=_days_to_first_contact,
        kind=Kind.DISTRIBUTION,
        unit_label=_("ngày"),
    )
)
