"""Writes to student records: one student at a time, or a whole class roster from Excel."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core.text import fold
from diemtua.orgs.models import OrgKind, OrgUnit

from . import roster, roster_workbook, selectors
from .models import Disability, Guardian, Student
from .roster import HEADERS, RosterRow, RowError

# Fields a roster row sets on a student, by roster column key (same names as the model fields).
_ROW_FIELDS = ("full_name", "gender", "date_of_birth", "grade", "class_name")
_OPTIONAL_ROW_FIELDS = ("ethnicity", "disability")
# Keep IN (...) lists well under every database's parameter limit.
_CHUNK = 500


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # matched students the file did not change (also counted in `updated`)
    guardians_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    count: int


def _require_school(school: OrgUnit) -> None:
    if school.kind != OrgKind.SCHOOL:
        raise ValueError("students belong to a school")


def _check_grade(student: Student, school: OrgUnit) -> None:
    if student.grade is not None and student.grade not in school.grades:
        grades = school.grades
        raise ValidationError(
            {
                "grade": _(
                    "Khối %(grade)s không thuộc cấp học của trường (khối %(first)s đến %(last)s)."
                )
                % {"grade": student.grade, "first": grades[0], "last": grades[-1]}
            }
        )


@transaction.atomic
def student_create(
    *,
    actor,
    school: OrgUnit,
    full_name: str,
    gender: str,
    date_of_birth: datetime.date,
    grade: int,
    class_name: str,
    ethnicity: str = roster.DEFAULT_ETHNICITY,
    national_id: str | None = None,
    disability: str = Disability.NONE,
    support_needs: str = "",
    request=None,
) -> Student:
    _require_school(school)
    student = Student(
        school=school,
        full_name=full_name,
        gender=gender,
        date_of_birth=date_of_birth,
        grade=grade,
        class_name=class_name,
        ethnicity=ethnicity,
        national_id=national_id or None,
        disability=disability,
        support_needs=support_needs,
    )
    _check_grade(student, school)
    student.full_clean()
    student.save()
    audit.record(
        actor=actor,
        action="students.student_create",
        obj=student,
        org_unit=school,
        request=request,
    )
    return student


_UPDATABLE = {
    "full_name",
    "gender",
    "date_of_birth",
    "grade",
    "class_name",
    "ethnicity",
    "national_id",
    "disability",
    "support_needs",
    "is_active",
}


@transaction.atomic
def student_update(*, actor, student: Student, request=None, **changes) -> Student:
    """Change a student's fields (only those in `_UPDATABLE`); records which ones changed."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise TypeError(f"student_update: unknown fields {sorted(unknown)}")
    if "national_id" in changes:
        changes["national_id"] = changes["national_id"] or None
    student = Student.objects.select_for_update().select_related("school").get(pk=student.pk)
    changed = [name for name, value in changes.items() if getattr(student, name) != value]
    if not changed:
        return student
    for name in changed:
        setattr(student, name, changes[name])
    _check_grade(student, student.school)
    student.full_clean()
    student.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="students.student_update",
        obj=student,
        org_unit=student.school_id,
        request=request,
        # Field names only: the values are personal data and stay out of the audit trail.
        extra={"changed": sorted(changed)},
    )
    return student


# --- roster import --------------------------------------------------------------------------


@dataclass
class _Planned:
    row: RosterRow
    student: Student
    changed: list[str] | None  # None: a new student
    guardian: Guardian | None = None
    guardian_changed: list[str] | None = None  # None: a new guardian


def _chunks(values: list) -> list[list]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _ids_at_other_schools(school: OrgUnit, national_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(national_ids):
        found.update(
            Student.objects.filter(national_id__in=chunk)
            .exclude(school=school)
            .values_list("national_id", flat=True)
        )
    return found


def _match_rows(
    *, school: OrgUnit, rows: list[RosterRow], errors: list[RowError]
) -> list[tuple[RosterRow, int | None]]:
    """Pair each row with the existing student it updates (None: a new student).

    A row is the same pupil as a student of this school with its identifier; without one (or when
    that student was entered before the identifier was known), with the same name and birth date.
    """
    known = list(
        Student.objects.filter(school=school).values_list(
            "pk", "national_id", "search_name", "date_of_birth"
        )
    )
    by_national_id = {nid: pk for pk, nid, _name, _born in known if nid}
    national_id_of = {pk: nid for pk, nid, _name, _born in known}
    by_person: dict[tuple, list[int]] = defaultdict(list)
    for pk, _nid, name, born in known:
        by_person[(name, born)].append(pk)
    elsewhere = _ids_at_other_schools(school, [r.national_id for r in rows if r.national_id])
    rows_of_person: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        rows_of_person[(fold(row.full_name), row.date_of_birth)].append(row.row)

    first_row_of_id: dict[str, int] = {}
    row_of_student: dict[int, int] = {}
    matches = []
    for row in rows:
        person = (fold(row.full_name), row.date_of_birth)
        pk = None
        if row.national_id:
            if row.national_id in first_row_of_id:
                errors.append(
                    RowError(
                        row.row,
                        HEADERS["national_id"],
                        _("Mã định danh trùng với dòng %(row)s.")
                        % {"row": first_row_of_id[row.national_id]},
                    )
                )
                continue
            first_row_of_id[row.national_id] = row.row
            if row.national_id in elsewhere:
                # Never say which school: that alone would tell where a child studies.
                errors.append(
                    RowError(
                        row.row,
                        HEADERS["national_id"],
                        _(
                            "Mã định danh này đã được dùng cho một học sinh không thuộc trường. "
                            "Hãy kiểm tra lại; nếu học sinh chuyển trường, hãy liên hệ quản trị "
                            "hệ thống."
                        ),
                    )
                )
                continue
            pk = by_national_id.get(row.national_id)
            candidates = [p for p in by_person.get(person, []) if not national_id_of[p]]
        else:
            others = [n for n in rows_of_person[person] if n != row.row]
            if others:
                errors.append(
                    RowError(
                        row.row,
                        HEADERS["full_name"],
                        _(
                            "Trùng họ tên và ngày sinh với dòng %(row)s. Nếu là hai học sinh "
                            "khác nhau, hãy ghi mã định danh cho cả hai."
                        )
                        % {"row": others[0]},
                    )
                )
                continue
            candidates = by_person.get(person, [])
        if pk is None and len(candidates) > 1:
            errors.append(
                RowError(
                    row.row,
                    HEADERS["full_name"],
                    _(
                        "Trường đã có nhiều học sinh cùng họ tên và ngày sinh này. Hãy ghi mã "
                        "định danh để chọn đúng học sinh."
                    ),
                )
            )
            continue
        if pk is None and candidates:
            pk = candidates[0]
        if pk is not None:
            if pk in row_of_student:
                errors.append(
                    RowError(
                        row.row,
                        HEADERS["full_name"],
                        _("Dòng này và dòng %(row)s là cùng một học sinh.")
                        % {"row": row_of_student[pk]},
                    )
                )
                continue
            row_of_student[pk] = row.row
        matches.append((row, pk))
    return matches


def _validation_errors(
    problem: ValidationError, row: int, columns: dict[str, str]
) -> list[RowError]:
    return [
        RowError(row, columns.get(name, ""), message)
        for name, messages in problem.message_dict.items()
        for message in messages
    ]


def _plan(
    *, school: OrgUnit, rows: list[RosterRow], columns: frozenset[str], errors: list[RowError]
) -> list[_Planned]:
    """Build (without saving) every student and guardian the file creates or changes."""
    matches = _match_rows(school=school, rows=rows, errors=errors)
    matched = [pk for _row, pk in matches if pk is not None]
    students: dict[int, Student] = {}
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for chunk in _chunks(matched):
        # The encrypted support notes are not needed here: leave them unread.
        students.update(Student.objects.filter(pk__in=chunk).defer("support_needs").in_bulk())
        for guardian in Guardian.objects.filter(student_id__in=chunk):
            guardians[guardian.student_id].append(guardian)

    fields = [*_ROW_FIELDS, *(f for f in _OPTIONAL_ROW_FIELDS if f in columns)]
    plan = []
    for row, pk in matches:
        values = {name: getattr(row, name) for name in fields}
        values["is_active"] = True  # on this year's roster, so studying here
        if row.national_id:
            values["national_id"] = row.national_id
        if pk is None:
            student = Student(school=school, **values)
            for name in _OPTIONAL_ROW_FIELDS:
                setattr(student, name, getattr(row, name))
            changed = None
        else:
            student = students[pk]
            changed = [name for name, value in values.items() if getattr(student, name) != value]
            for name in changed:
                setattr(student, name, values[name])
        try:
            # Identifier uniqueness was checked above for the whole file in one query (and the
            # database constraint still guards it), and the school is locked above: skip the
            # per-row queries full_clean would make for them.
            student.full_clean(exclude=["support_needs", "school"], validate_constraints=False)
        except ValidationError as problem:
            errors.extend(_validation_errors(problem, row.row, roster.STUDENT_FIELD_COLUMNS))
            continue
        planned = _Planned(row=row, student=student, changed=changed)
        if row.guardian_name and not _plan_guardian(planned, guardians.get(pk, []), errors):
            continue
        plan.append(planned)
    return plan


def _plan_guardian(planned: _Planned, existing: list[Guardian], errors: list[RowError]) -> bool:
    row = planned.row
    same = [g for g in existing if fold(g.full_name) == fold(row.guardian_name)]
    if same:
        guardian = same[0]
        values = {"full_name": row.guardian_name}
        # Blank cells leave what is known: a list without phone numbers erases none.
        if row.guardian_relationship:
            values["relationship"] = row.guardian_relationship
        if row.guardian_phone:
            values["phone"] = row.guardian_phone
        changed = [name for name, value in values.items() if getattr(guardian, name) != value]
        for name in changed:
            setattr(guardian, name, values[name])
        planned.guardian_changed = changed
    else:
        guardian = Guardian(
            full_name=row.guardian_name,
            relationship=row.guardian_relationship or Guardian.Relationship.OTHER,
            phone=row.guardian_phone,
        )
    try:
        guardian.full_clean(exclude=["student"])
    except ValidationError as problem:
        errors.extend(_validation_errors(problem, row.row, roster.GUARDIAN_FIELD_COLUMNS))
        return False
    planned.guardian = guardian
    return True


def _apply(plan: list[_Planned], result: ImportResult) -> None:
    for planned in plan:
        student = planned.student
        if planned.changed is None:
            student.save()
            result.created += 1
        else:
            if planned.changed:
                student.save(update_fields=[*planned.changed, "updated_at"])
            else:
                result.unchanged += 1
            result.updated += 1
        guardian = planned.guardian
        if guardian is None:
            continue
        if guardian.pk is None:
            guardian.student = student
            guardian.save()
            result.guardians_created += 1
        elif planned.guardian_changed:
            guardian.save(update_fields=[*planned.guardian_changed, "updated_at"])


def _error_order(error: RowError) -> tuple:
    positions = {column.header: index for index, column in enumerate(roster.COLUMNS)}
    return (error.row or 0, positions.get(error.column, -1))


@transaction.atomic
def roster_import(*, actor, school: OrgUnit, file, request=None) -> ImportResult:
    """Create or update a school's students from an uploaded .xlsx roster: all rows or none.

    Every row is checked first; if any is wrong, nothing is saved and the result lists each
    problem by Excel row and column.
    """
    _require_school(school)
    # One import per school at a time (a row lock on PostgreSQL): two uploads of the same list
    # must not both create the pupils that have no identifier.
    list(OrgUnit.objects.select_for_update().filter(pk=school.pk).values_list("pk", flat=True))
    parsed = roster.read_roster(file, grades=school.grades, today=timezone.localdate())
    result = ImportResult(errors=list(parsed.errors))
    plan = []
    if parsed.readable:
        plan = _plan(school=school, rows=parsed.rows, columns=parsed.columns, errors=result.errors)
    if not result.errors:
        try:
            with transaction.atomic():
                _apply(plan, result)
        except IntegrityError:
            # Someone saved the same identifier between our check and our insert.
            result = ImportResult(
                errors=[
                    RowError(
                        None,
                        "",
                        _("Danh sách học sinh vừa thay đổi trong lúc nhập. Hãy nhập lại tệp."),
                    )
                ]
            )
    result.errors.sort(key=_error_order)
    audit.record(
        actor=actor,
        action="students.roster_import",
        org_unit=school,
        request=request,
        extra={
            "rows": parsed.row_count,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "guardians_created": result.guardians_created,
            "errors": len(result.errors),
        },
    )
    return result


# --- class export ---------------------------------------------------------------------------


def class_export(*, actor, school: OrgUnit, class_name: str, request=None) -> ExportFile | None:
    """A class's active students as an .xlsx in the import layout; None if it has none.

    The file holds identifiable data, so each export is written to the audit trail.
    """
    class_name = class_name.strip()
    if not class_name:
        return None
    students = list(selectors.class_roster(fetched_by=actor, school=school, class_name=class_name))
    if not students:
        return None
    content = roster_workbook.build_workbook(
        roster_workbook.student_values(student) for student in students
    )
    audit.record(
        actor=actor,
        action="students.class_export",
        org_unit=school,
        request=request,
        extra={"class": students[0].class_name, "count": len(students)},
    )
    return ExportFile(
        filename=roster_workbook.export_filename(
            class_name=students[0].class_name, school_code=school.code
        ),
        content=content,
        count=len(students),
    )
