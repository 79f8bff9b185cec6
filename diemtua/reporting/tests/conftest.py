"""Fixtures shared by the reporting tests."""

import datetime
from decimal import Decimal

import pytest

from diemtua.orgs import services as org_services
from diemtua.orgs.models import OrgKind
from diemtua.reporting.models import IndicatorValue, PeriodKind
from diemtua.reporting.periods import get_period


@pytest.fixture
def merged_world(world):
    """Province "Hà Giang" merged into dept_b on 01/07/2025; school_old sat under it until
    30/06/2025 and sits under commune_b since. Two school years: 2024-2025 and 2025-2026."""
    w = world
    w.old = org_services.org_unit_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="Sở GD&ĐT Hà Giang",
        code="02",
        parent=w.ministry,
        valid_to=datetime.date(2025, 6, 30),
    )
    org_services.org_unit_update(actor=None, unit=w.old, successor=w.dept_b)
    w.school_old = org_services.org_unit_create(
        actor=None,
        kind=OrgKind.SCHOOL,
        name="Trường PTDTBT Tiểu học Lũng Cú",
        code="02-LC",
        parent=w.commune_b,
        commune=w.commune_b,
        school_level="primary",
    )
    org_services.past_placement_record(
        actor=None, unit=w.school_old, parent=w.old, until=datetime.date(2025, 6, 30)
    )
    w.y2024 = get_period(PeriodKind.SCHOOL_YEAR, "2024-2025")
    w.y2025 = get_period(PeriodKind.SCHOOL_YEAR, "2025-2026")
    return w


def put_values(w, indicator: str) -> None:
    """7 at the moved school and 5 at school_b, in both school years."""
    for period in (w.y2024, w.y2025):
        for unit, value in ((w.school_old, 7), (w.school_b, 5)):
            IndicatorValue.objects.create(
                org_unit=unit, period=period, indicator=indicator, value=Decimal(value)
            )
