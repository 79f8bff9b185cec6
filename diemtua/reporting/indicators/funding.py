"""Funding planned and spent (the Quảng Ngãi 2022 letter: secure funding and mobilise sources
beyond the state budget). Budget lines are per fiscal year, which is the calendar year (Law on
the State Budget 2015 Art. 14: 01/01–31/12); a period reports the lines of every fiscal year
its dates overlap. Months are not reported: a month would show its whole year's budget."""

from django.utils.translation import gettext_lazy as _

from diemtua.funding.models import BudgetLine

from ..models import PeriodKind
from .base import Indicator, Kind, in_units, register, summed_by

SECTION = _("Kinh phí")
DIMS = {"funding_source": "source", "funding_purpose": "purpose"}


def lines(period, unit_ids=None):
    if period.kind == PeriodKind.MONTH:
        return BudgetLine.objects.none()
    qs = BudgetLine.objects.filter(
        fiscal_year__gte=period.starts_on.year, fiscal_year__lte=period.ends_on.year
    )
    if period.kind == PeriodKind.PROGRAM:
        qs = qs.filter(program_id=period.program_id)
    return in_units(qs, "unit_id", unit_ids)


def _planned(period, unit_ids):
    return summed_by(lines(period, unit_ids), "unit_id", "planned", DIMS)


def _spent(period, unit_ids):
    return summed_by(lines(period, unit_ids), "unit_id", "spent", DIMS)


register(
    Indicator(
        code="funding_planned",
        name=_("Kinh phí dự toán"),
        description=_(
            "Tổng dự toán (đồng) của các dòng kinh phí do đơn vị quản lý, thuộc các năm ngân "
            "sách (năm dương lịch) có ngày trùng với kỳ: học kỳ I và năm học gồm hai năm ngân "
            "sách. Trong kỳ của một chương trình, chỉ tính các dòng của chương trình đó. Không "
            "báo cáo theo tháng. Theo nguồn và mục đích chi."
        ),
        section=SECTION,
        compute=_planned,
        kind=Kind.AMOUNT,
        dimensions=("funding_source", "funding_purpose"),
        sensitive=False,
        unit_label=_("đồng"),
    )
)

register(
    Indicator(
        code="funding_spent",
        name=_("Kinh phí đã chi"),
        description=_(
            "Tổng số đã chi (đồng) của các dòng kinh phí do đơn vị quản lý, thuộc các năm ngân "
            "sách (năm dương lịch) có ngày trùng với kỳ, theo số đã chi ghi trên dòng hiện nay "
            "(không theo ngày chi). Trong kỳ của một chương trình, chỉ tính các dòng của chương "
            "trình đó. Không báo cáo theo tháng. Theo nguồn và mục đích chi."
        ),
        section=SECTION,
        compute=_spent,
        kind=Kind.AMOUNT,
        dimensions=("funding_source", "funding_purpose"),
        sensitive=False,
        unit_label=_("đồng"),
    )
)
