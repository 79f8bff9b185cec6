"""Screenings of students with standard questionnaires (PHQ-9, GAD-7) and the flags their
scoring raised. Surveys (of schools, staff, or students anonymously about satisfaction) are
not screenings and are not counted here."""

from django.utils.translation import gettext_lazy as _

from diemtua.screening.models import InstrumentKind, Response

from .base import Indicator, counted, datetime_between, flag, in_units, register

SECTION = _("Sàng lọc")


def _screenings(period, unit_ids):
    qs = Response.objects.filter(
        administration__isnull=False,
        version__instrument__kind=InstrumentKind.SCREENING,
        **datetime_between("submitted_at", period),
    )
    return in_units(qs, "administration__school_id", unit_ids)


DIMS = {
    "gender": "participant__student__gender",
    "grade": "participant__student__grade",
    "instrument": "version__instrument__code",
}


def _done(period, unit_ids):
    return counted(_screenings(period, unit_ids), "administration__school_id", DIMS)


def _flags(period, unit_ids):
    qs = (
        _screenings(period, unit_ids)
        .exclude(flags=[])
        .annotate(_urgency=flag("is_urgent", "urgent", "normal"))
    )
    return counted(qs, "administration__school_id", {**DIMS, "urgency": "_urgency"})


register(
    Indicator(
        code="screenings_done",
        name=_("Lượt sàng lọc đã thực hiện"),
        description=_(
            "Số bài sàng lọc (bảng hỏi loại sàng lọc, ví dụ PHQ-9, GAD-7) học sinh đã trả lời "
            "trong các đợt sàng lọc của trường, có thời điểm trả lời trong kỳ; theo giới tính, "
            "khối lớp (hồ sơ học sinh hiện tại) và bảng hỏi. Phiếu khảo sát không được tính."
        ),
        section=SECTION,
        compute=_done,
        dimensions=("gender", "grade", "instrument"),
    )
)

register(
    Indicator(
        code="screening_flags",
        name=_("Bài sàng lọc có cờ cần theo dõi"),
        description=_(
            "Trong số bài sàng lọc trả lời trong kỳ: số bài mà cách chấm điểm của bảng hỏi đã "
            "gắn ít nhất một cờ (đưa vào hàng chờ của cán bộ tư vấn); theo mức độ gấp, giới "
            "tính, khối lớp và bảng hỏi."
        ),
        section=SECTION,
        compute=_flags,
        dimensions=("gender", "grade", "instrument", "urgency"),
    )
)
