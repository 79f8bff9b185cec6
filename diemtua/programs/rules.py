"""Live checks of a program's selection rules: what is missing, what breaks a rule.

The 2024 pilot's plan asks each locality for 3 schools at 3 levels (primary, lower and upper
secondary), each naming 1 staff member or teacher in charge of social work and counseling, all
trained in June 2024. `check` is pure: it takes the rules, localities, enrolments and staff as
plain objects and returns readable findings per locality and school, so it can be tested on any
what-if (one staff member removed) without touching the database. `check_program` loads a
program's rows (five queries) and calls it.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.orgs.models import SchoolLevel

from .models import DesignatedStaff, Enrolment, Program, ProgramStatus, RuleKind, SelectionRule

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    locality_id: int
    school_id: int | None = None
    severity: str = ERROR


@dataclass
class LocalityResult:
    locality: object
    enrolments: list = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_school(self, school_id: int) -> list[Finding]:
        return [f for f in self.findings if f.school_id == school_id]

    @property
    def locality_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.school_id is None]


def as_of(program: Program, today: datetime.date | None = None) -> datetime.date:
    """The day the rules are checked on: today, within the program's period (a closed program
    is judged as it stood on its last day)."""
    today = today or timezone.localdate()
    if program.status == ProgramStatus.CLOSED:
        return program.ends_on
    return min(max(today, program.starts_on), program.ends_on)


def enrolment_active(enrolment, day: datetime.date) -> bool:
    return enrolment.left_on is None or enrolment.left_on > day


def staff_active(staff, day: datetime.date) -> bool:
    return staff.since <= day and (staff.until is None or staff.until >= day)


def level_codes(rule) -> list[str]:
    wanted = [code.strip() for code in (rule.levels or "").split(",") if code.strip()]
    return [code for code in wanted if code in SchoolLevel.values]


def _level_label(code: str) -> str:
    try:
        return str(SchoolLevel(code).label).lower()
    except ValueError:
        return code


def check(
    *,
    rules: Iterable,
    localities: Iterable,
    enrolments: Iterable,
    staff: Iterable,
    day: datetime.date,
) -> dict[int, LocalityResult]:
    """Findings per locality (keyed by its unit id), in the order the localities were given.

    `rules` have .kind, .number, .levels; `localities` are units (.pk, .name); `enrolments` have
    .pk, .locality_id, .school (with .pk, .name, .school_level) and .left_on; `staff` have
    .enrolment_id, .full_name, .trained, .since, .until.
    """
    by_kind = {rule.kind: rule for rule in rules}
    results = {unit.pk: LocalityResult(locality=unit) for unit in localities}
    active = [e for e in enrolments if enrolment_active(e, day)]
    staff_of: dict[int, list] = defaultdict(list)
    for person in staff:
        if staff_active(person, day):
            staff_of[person.enrolment_id].append(person)
    for enrolment in active:
        if enrolment.locality_id in results:
            results[enrolment.locality_id].enrolments.append(enrolment)

    for locality_id, result in results.items():
        add = result.findings.append
        schools = result.enrolments
        rule = by_kind.get(RuleKind.SCHOOLS_PER_LOCALITY)
        if rule and rule.number:
            count = len(schools)
            if count < rule.number:
                add(
                    Finding(
                        rule.kind,
                        _("Còn thiếu %(missing)s trường: mới có %(count)s/%(number)s trường.")
                        % {"missing": rule.number - count, "count": count, "number": rule.number},
                        locality_id,
                    )
                )
            elif count > rule.number:
                add(
                    Finding(
                        rule.kind,
                        _("Có %(count)s trường, vượt số %(number)s trường quy định.")
                        % {"count": count, "number": rule.number},
                        locality_id,
                    )
                )
        rule = by_kind.get(RuleKind.ONE_PER_LEVEL)
        levels = level_codes(rule) if rule else []
        if levels:
            per_level: dict[str, list] = defaultdict(list)
            for enrolment in schools:
                per_level[enrolment.school.school_level].append(enrolment)
            for code in levels:
                found = per_level.get(code, [])
                if not found:
                    add(
                        Finding(
                            rule.kind,
                            _("Chưa có trường %(level)s.") % {"level": _level_label(code)},
                            locality_id,
                        )
                    )
                elif len(found) > 1:
                    add(
                        Finding(
                            rule.kind,
                            # No school names here: a province-level finding is shown to
                            # other provinces, who may see this one as counts only.
                            _("Có %(count)s trường %(level)s; mỗi cấp học một trường.")
                            % {"count": len(found), "level": _level_label(code)},
                            locality_id,
                        )
                    )
            for code, found in per_level.items():
                if code not in levels:
                    for enrolment in found:
                        add(
                            Finding(
                                rule.kind,
                                _("%(school)s (%(level)s) không thuộc cấp học của chương trình.")
                                % {"school": enrolment.school.name, "level": _level_label(code)},
                                locality_id,
                                enrolment.school.pk,
                            )
                        )
        rule = by_kind.get(RuleKind.STAFF_PER_SCHOOL)
        if rule and rule.number:
            for enrolment in schools:
                count = len(staff_of.get(enrolment.pk, []))
                if count == 0:
                    message = _("%(school)s chưa có cán bộ được phân công.") % {
                        "school": enrolment.school.name
                    }
                elif count < rule.number:
                    message = _("%(school)s mới có %(count)s/%(number)s cán bộ được phân công.") % {
                        "school": enrolment.school.name,
                        "count": count,
                        "number": rule.number,
                    }
                else:
                    continue
                add(Finding(rule.kind, message, locality_id, enrolment.school.pk))
        rule = by_kind.get(RuleKind.STAFF_TRAINED)
        if rule:
            for enrolment in schools:
                for person in staff_of.get(enrolment.pk, []):
                    if not person.trained:
                        add(
                            Finding(
                                rule.kind,
                                _("%(name)s (%(school)s) chưa được tập huấn.")
                                % {"name": person.full_name, "school": enrolment.school.name},
                                locality_id,
                                enrolment.school.pk,
                                WARNING,
                            )
                        )
    return results


def check_program(program: Program, *, day: datetime.date | None = None):
    """(results per locality, the day checked) for a program, from its saved rows."""
    day = day or as_of(program)
    localities = [
        pl.unit
        for pl in program.localities.select_related("unit", "unit__successor").order_by(
            "unit__search_name"
        )
    ]
    enrolments = list(
        Enrolment.objects.filter(program=program).select_related("school", "locality")
    )
    staff = list(DesignatedStaff.objects.filter(enrolment__program=program))
    rules = list(SelectionRule.objects.filter(program=program))
    results = check(rules=rules, localities=localities, enrolments=enrolments, staff=staff, day=day)
    return results, day
