"""Staff designated for counseling and social work, and their training (the 2024 pilot plan:
each pilot school designates staff, whom the Ministry trains in June 2024; Circular 18/2025
Art. 12 on the people doing the work)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from diemtua.programs.models import DesignatedStaff
from diemtua.trainings.models import Attendance, Participant

from ..models import PeriodKind
from .base import Indicator, Kind, between, counted, in_units, register, summed_by, tallied

SECTION = _("Nhân sự và tập huấn")


def designations(period, unit_ids=None):
    """Designations in force at some time in the period, under a program running then, at a
    school still enrolled then. In a program's own period, only that program's designations."""
    first, last = period.starts_on, period.ends_on
    qs = DesignatedStaff.objects.filter(
        Q(until__isnull=True) | Q(until__gte=first),
        Q(enrolment__left_on__isnull=True) | Q(enrolment__left_on__gte=first),
        since__lte=last,
        enrolment__enrolled_on__lte=last,
        enrolment__program__starts_on__lte=last,
        enrolment__program__ends_on__gte=first,
    )
    if period.kind == PeriodKind.PROGRAM:
        qs = qs.filter(enrolment__program_id=period.program_id)
    return in_units(qs, "enrolment__school_id", unit_ids)


def person_key(user_id, full_name: str) -> str:
    """One person designated under two programs is one person: their account, else the name."""
    return f"u:{user_id}" if user_id else f"n:{' '.join(full_name.lower().split())}"


def _designated(period, unit_ids):
    # Read into Python (one query, a handful of rows per school) to count people, not
    # designations; a person's employment and qualification are those of their latest one.
    latest: dict[tuple[int, str], tuple] = {}
    rows = designations(period, unit_ids).values_list(
        "enrolment__school_id", "user_id", "full_name", "since", "pk", "employment", "qualification"
    )
    for school, user_id, full_name, since, pk, employment, qualification in rows:
        key = (school, person_key(user_id, full_name))
        if key not in latest or (since, pk) > latest[key][:2]:
            latest[key] = (since, pk, employment, qualification)
    return tallied(
        (school, {"employment": employment, "qualification": qualification})
        for (school, _person), (_since, _pk, employment, qualification) in latest.items()
    )


def _participations(period, unit_ids):
    qs = Participant.objects.filter(
        attendance__in=[Attendance.ATTENDED, Attendance.PARTIAL],
        **between("training__starts_on", period),
    )
    return in_units(qs, "unit_id", unit_ids)


def _trained(period, unit_ids):
    return counted(_participations(period, unit_ids), "unit_id", distinct="person_key")


def _hours(period, unit_ids):
    from diemtua.trainings.selectors import CREDITED  # the hours a participation credits

    return summed_by(
        _participations(period, unit_ids), "unit_id", CREDITED, {"training_mode": "training__mode"}
    )


register(
    Indicator(
        code="staff_designated",
        name=_("Cán bộ được phân công làm tư vấn, công tác xã hội"),
        description=_(
            "Số người được trường phân công làm tư vấn tâm lý, công tác xã hội trong một chương "
            "trình (thí điểm, kế hoạch của Sở) có thời gian phân công trùng với kỳ, khi chương "
            "trình đang diễn ra và trường còn tham gia trong kỳ; một người được phân công trong "
            "hai chương trình tính một. Trong kỳ của một chương trình, chỉ tính chương trình đó. "
            "Chuyên trách/kiêm nhiệm và chuyên môn theo lần phân công gần nhất."
        ),
        section=SECTION,
        compute=_designated,
        dimensions=("employment", "qualification"),
        sensitive=False,
    )
)

register(
    Indicator(
        code="staff_trained",
        name=_("Cán bộ đã dự tập huấn"),
        description=_(
            "Số người khác nhau (theo tài khoản, hoặc họ tên và đơn vị) đã tham gia đầy đủ hoặc "
            "một phần ít nhất một khóa tập huấn có ngày bắt đầu trong kỳ, tính cho đơn vị công "
            "tác của họ."
        ),
        section=SECTION,
        compute=_trained,
        sensitive=False,
    )
)

register(
    Indicator(
        code="training_hours",
        name=_("Số giờ tập huấn"),
        description=_(
            "Tổng số giờ tập huấn được ghi nhận cho cán bộ của đơn vị ở các khóa có ngày bắt đầu "
            "trong kỳ: toàn bộ số giờ của khóa khi tham gia đầy đủ, số giờ thực tế khi tham gia "
            "một phần, vắng mặt không tính; theo hình thức tập huấn."
        ),
        section=SECTION,
        compute=_hours,
        kind=Kind.AMOUNT,
        dimensions=("training_mode",),
        sensitive=False,
        unit_label=_("giờ"),
    )
)
