"""Writes of programs: the program, its localities and rules, enrolled schools, designated
staff, plan tasks and their evidence. Each is one transaction with one audit row (ids and codes
only; program objects carry no student data). Who may call which is decided in access.py."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit
from diemtua.core import uploads
from diemtua.orgs.models import OrgKind, OrgUnit, OrgUnitAncestor, SchoolLevel

from .models import (
    DesignatedStaff,
    Enrolment,
    Program,
    ProgramLocality,
    ProgramStatus,
    ProgramTask,
    RuleKind,
    SelectionRule,
    TaskEvidence,
    TaskStatus,
)

PROGRAM_FIELDS = (
    "code",
    "title",
    "legal_basis",
    "legal_basis_date",
    "starts_on",
    "ends_on",
    "description",
    "status",
)
STAFF_FIELDS = (
    "user",
    "full_name",
    "position",
    "employment",
    "qualification",
    "trained",
    "trained_on",
    "since",
    "until",
)
TASK_FIELDS = ("title", "responsible", "starts_on", "due_on", "milestone", "description")
# Programs of the school-counseling era (Circular 31/2017 onwards); a plan may run years ahead.
EARLIEST = datetime.date(2015, 1, 1)
LATEST = datetime.date(2100, 12, 31)
MAX_FILES = 10
MAX_EVIDENCE = 30
UPLOAD_FOLDER = "programs"


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _full_clean(obj, errors: _Errors, *, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            for message in messages:
                errors.add(field, message)


def _dates_in_range(errors: _Errors, obj, fields: Iterable[str]) -> None:
    for name in fields:
        value = getattr(obj, name)
        if value and not EARLIEST <= value <= LATEST:
            errors.add(
                name,
                _("Ngày phải từ %(start)s đến %(end)s.")
                % {"start": _d(EARLIEST), "end": _d(LATEST)},
            )


def _require_open(program: Program) -> None:
    if program.status == ProgramStatus.CLOSED:
        raise ValidationError(
            _(
                "Chương trình đã kết thúc nên không sửa được. Đơn vị chủ trì có thể chuyển lại "
                "trạng thái “Đang thực hiện” nếu cần bổ sung."
            )
        )


# -- Programs ------------------------------------------------------------------------------


def _program_rules(program: Program, errors: _Errors) -> None:
    _dates_in_range(errors, program, ("legal_basis_date", "starts_on", "ends_on"))
    if program.starts_on and program.ends_on and program.ends_on < program.starts_on:
        errors.add(
            "ends_on",
            _("Ngày kết thúc (%(end)s) không được trước ngày bắt đầu (%(start)s).")
            % {"end": _d(program.ends_on), "start": _d(program.starts_on)},
        )
    if program.code:
        taken = Program.objects.filter(code=program.code).exclude(pk=program.pk).exists()
        if taken:
            errors.add(
                "code",
                _("Mã “%(code)s” đã được dùng cho chương trình khác.") % {"code": program.code},
            )
    if program.owner_id and program.owner.kind not in (OrgKind.MINISTRY, OrgKind.DEPARTMENT):
        errors.add(NON_FIELD_ERRORS, _("Chỉ Bộ GD&ĐT hoặc Sở GD&ĐT chủ trì chương trình."))


@transaction.atomic
def program_create(
    *,
    actor,
    owner,
    code: str,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    legal_basis: str = "",
    legal_basis_date: datetime.date | None = None,
    description: str = "",
    status: str = ProgramStatus.DRAFT,
    request=None,
) -> Program:
    """A program owned by `owner`; a Department's own program takes part as its locality."""
    program = Program(
        owner=owner,
        code=(code or "").strip().lower(),
        title=(title or "").strip(),
        legal_basis=(legal_basis or "").strip(),
        legal_basis_date=legal_basis_date,
        starts_on=starts_on,
        ends_on=ends_on,
        description=(description or "").strip(),
        status=status,
        created_by=actor,
    )
    errors = _Errors()
    _program_rules(program, errors)
    _full_clean(program, errors, exclude=["created_by"] if actor is None else None)
    errors.raise_if_any()
    program.save()
    if owner.kind == OrgKind.DEPARTMENT:
        ProgramLocality.objects.create(program=program, unit=owner)
    audit.record(
        actor=actor,
        action="programs.program_create",
        obj=program,
        org_unit=owner.pk,
        request=request,
        extra={"code": program.code, "status": program.status},
    )
    return program


@transaction.atomic
def program_update(*, actor, program: Program, request=None, **changes) -> Program:
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"program_update: unknown fields {sorted(unknown)}")
    program = (
        Program.objects.select_for_update(of=("self",)).select_related("owner").get(pk=program.pk)
    )
    for text in ("code", "title", "legal_basis", "description"):
        if changes.get(text) is not None:
            changes[text] = changes[text].strip()
    if changes.get("code"):
        changes["code"] = changes["code"].lower()
    changed = [f for f in PROGRAM_FIELDS if f in changes and getattr(program, f) != changes[f]]
    for name in changed:
        setattr(program, name, changes[name])
    errors = _Errors()
    _program_rules(program, errors)
    _full_clean(program, errors, exclude=["created_by"])
    errors.raise_if_any()
    if not changed:
        return program
    program.save(update_fields=[*changed, "search_title", "updated_at"])
    audit.record(
        actor=actor,
        action="programs.program_update",
        obj=program,
        org_unit=program.owner_id,
        request=request,
        extra={"changed": sorted(changed), "status": program.status},
    )
    return program


@transaction.atomic
def program_configure(
    *,
    actor,
    program: Program,
    localities: Iterable,
    schools_per_locality: int = 0,
    levels: Iterable[str] = (),
    staff_per_school: int = 0,
    staff_trained: bool = False,
    request=None,
) -> Program:
    """Set the participating localities and the selection rules (0 or empty: no such rule)."""
    _require_open(program)
    localities = list(localities)
    errors = _Errors()
    wanted = {unit.pk for unit in localities}
    for unit in localities:
        if unit.kind != OrgKind.DEPARTMENT:
            errors.add("localities", _("%(unit)s không phải là Sở GD&ĐT.") % {"unit": unit.name})
        elif unit.valid_to and unit.valid_to < program.starts_on:
            errors.add(
                "localities",
                _("%(unit)s đã kết thúc hoạt động từ %(day)s, trước khi chương trình bắt đầu.")
                % {"unit": unit.name, "day": _d(unit.valid_to)},
            )
    if program.owner.kind == OrgKind.DEPARTMENT and wanted - {program.owner_id}:
        errors.add("localities", _("Chương trình của Sở chỉ thực hiện tại tỉnh, thành phố đó."))
    current = set(program.localities.values_list("unit_id", flat=True))
    removed = current - wanted
    in_use = (
        Enrolment.objects.filter(program=program, locality_id__in=removed)
        .select_related("locality")
        .order_by("locality__search_name")
    )
    for name in sorted({e.locality.name for e in in_use}):
        errors.add(
            "localities",
            _("Không bỏ được %(unit)s: đã có trường tham gia ở địa phương này.") % {"unit": name},
        )
    level_list = [code for code in levels if code]
    bad_levels = [code for code in level_list if code not in SchoolLevel.values]
    if bad_levels:
        errors.add("levels", _("Cấp học không hợp lệ."))
    for name, value in (
        ("schools_per_locality", schools_per_locality),
        ("staff_per_school", staff_per_school),
    ):
        if value is not None and not 0 <= value <= 1000:
            errors.add(name, _("Hãy nhập một số từ 0 đến 1000."))
    errors.raise_if_any()

    ProgramLocality.objects.filter(program=program, unit_id__in=removed).delete()
    ProgramLocality.objects.bulk_create(
        [ProgramLocality(program=program, unit_id=pk) for pk in sorted(wanted - current)]
    )
    specs = {
        RuleKind.SCHOOLS_PER_LOCALITY: (schools_per_locality or 0, ""),
        RuleKind.ONE_PER_LEVEL: (1 if level_list else 0, ",".join(level_list)),
        RuleKind.STAFF_PER_SCHOOL: (staff_per_school or 0, ""),
        RuleKind.STAFF_TRAINED: (1 if staff_trained else 0, ""),
    }
    for kind, (number, level_text) in specs.items():
        if number:
            rule, _created = SelectionRule.objects.get_or_create(
                program=program, kind=kind, defaults={"number": number, "levels": level_text}
            )
            if (rule.number, rule.levels) != (number, level_text):
                rule.number, rule.levels = number, level_text
                rule.full_clean()
                rule.save(update_fields=["number", "levels"])
        else:
            SelectionRule.objects.filter(program=program, kind=kind).delete()
    audit.record(
        actor=actor,
        action="programs.program_configure",
        obj=program,
        org_unit=program.owner_id,
        request=request,
        extra={
            "added": sorted(wanted - current),
            "removed": sorted(removed),
            "rules": {k: v[0] for k, v in specs.items()},
        },
    )
    return program


# -- Enrolments and designated staff --------------------------------------------------------


def locality_roots(program: Program) -> dict[int, list[int]]:
    """unit id → the program localities it stands for: each locality itself, and the province
    that continues a merged one (Tuyên Quang for Hà Giang) — possibly for two localities."""
    roots: dict[int, list[int]] = {}
    for unit_id, successor_id in program.localities.values_list("unit_id", "unit__successor_id"):
        roots.setdefault(unit_id, []).append(unit_id)
        if successor_id:
            roots.setdefault(successor_id, []).append(unit_id)
    return roots


@transaction.atomic
def enrolment_create(
    *,
    actor,
    program: Program,
    school,
    locality,
    enrolled_on: datetime.date,
    note: str = "",
    request=None,
) -> Enrolment:
    """Enrol a school of a participating locality (or of the province that continues it)."""
    _require_open(program)
    errors = _Errors()
    if locality is None or not program.localities.filter(unit=locality).exists():
        errors.add("locality", _("Địa phương này không tham gia chương trình."))
    if school.kind != OrgKind.SCHOOL or not school.is_current:
        errors.add("school", _("Chỉ chọn được trường học đang hoạt động."))
    elif locality is not None:
        above = set(
            OrgUnitAncestor.objects.filter(descendant=school).values_list("ancestor_id", flat=True)
        )
        # A merged province's schools now sit under the province that continues it.
        if not above & {locality.pk, locality.successor_id}:
            errors.add(
                "school",
                _("%(school)s không thuộc %(locality)s.")
                % {"school": school.name, "locality": locality.name},
            )
    if Enrolment.objects.filter(program=program, school=school).exists():
        errors.add("school", _("%(school)s đã tham gia chương trình.") % {"school": school.name})
    enrolment = Enrolment(
        program=program,
        school=school,
        locality=locality,
        enrolled_on=enrolled_on,
        note=(note or "").strip(),
    )
    _dates_in_range(errors, enrolment, ("enrolled_on",))
    errors.raise_if_any()
    _full_clean(enrolment, errors)
    errors.raise_if_any()
    enrolment.save()
    audit.record(
        actor=actor,
        action="programs.enrolment_create",
        obj=enrolment,
        org_unit=school.pk,
        request=request,
        extra={"program": program.pk, "locality": locality.pk},
    )
    return enrolment


def _staff_rules(staff: DesignatedStaff, errors: _Errors) -> None:
    _dates_in_range(errors, staff, ("trained_on", "since", "until"))
    if staff.until and staff.since and staff.until < staff.since:
        errors.add(
            "until",
            _("Ngày thôi phân công (%(until)s) không được trước ngày bắt đầu (%(since)s).")
            % {"until": _d(staff.until), "since": _d(staff.since)},
        )
    if staff.trained_on and not staff.trained:
        errors.add("trained", _("Đã có ngày tập huấn: hãy đánh dấu “đã được tập huấn”."))
    if staff.trained_on and staff.trained_on > timezone.localdate():
        errors.add("trained_on", _("Ngày tập huấn không được sau hôm nay."))
    if staff.user_id:
        school_id = staff.enrolment.school_id
        if not staff.user.memberships.filter(org_unit_id=school_id).exists():
            errors.add(
                "user",
                _("Tài khoản này không thuộc %(school)s.") % {"school": staff.enrolment.school},
            )


@transaction.atomic
def staff_create(
    *,
    actor,
    enrolment: Enrolment,
    full_name: str,
    employment: str,
    qualification: str,
    since: datetime.date,
    user=None,
    position: str = "",
    trained: bool = False,
    trained_on: datetime.date | None = None,
    until: datetime.date | None = None,
    request=None,
) -> DesignatedStaff:
    _require_open(enrolment.program)
    name = (full_name or "").strip() or (user.full_name if user else "")
    staff = DesignatedStaff(
        enrolment=enrolment,
        user=user,
        full_name=name,
        position=(position or "").strip(),
        employment=employment,
        qualification=qualification,
        trained=bool(trained),
        trained_on=trained_on,
        since=since,
        until=until,
    )
    errors = _Errors()
    _staff_rules(staff, errors)
    _full_clean(staff, errors)
    errors.raise_if_any()
    staff.save()
    audit.record(
        actor=actor,
        action="programs.staff_create",
        obj=staff,
        org_unit=enrolment.school_id,
        request=request,
        extra={"enrolment": enrolment.pk, "employment": employment, "trained": staff.trained},
    )
    return staff


@transaction.atomic
def staff_update(*, actor, staff: DesignatedStaff, request=None, **changes) -> DesignatedStaff:
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise TypeError(f"staff_update: unknown fields {sorted(unknown)}")
    _require_open(staff.enrolment.program)
    for text in ("full_name", "position"):
        if changes.get(text) is not None:
            changes[text] = changes[text].strip()
    changed = [f for f in STAFF_FIELDS if f in changes and getattr(staff, f) != changes[f]]
    for name in changed:
        setattr(staff, name, changes[name])
    errors = _Errors()
    _staff_rules(staff, errors)
    _full_clean(staff, errors)
    errors.raise_if_any()
    if not changed:
        return staff
    staff.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="programs.staff_update",
        obj=staff,
        org_unit=staff.enrolment.school_id,
        request=request,
        extra={"changed": sorted(changed)},
    )
    return staff


@transaction.atomic
def staff_end(
    *, actor, staff: DesignatedStaff, until: datetime.date, reason: str = "", request=None
) -> DesignatedStaff:
    """The person no longer does the program's work from the day after `until`; the record
    stays (who was in place when), and the rule check shows the school's gap."""
    _require_open(staff.enrolment.program)
    errors = _Errors()
    if staff.until is not None:
        errors.add(NON_FIELD_ERRORS, _("Cán bộ này đã thôi phân công từ trước."))
    staff.until = until
    _staff_rules(staff, errors)
    errors.raise_if_any()
    staff.save(update_fields=["until", "updated_at"])
    audit.record(
        actor=actor,
        action="programs.staff_end",
        obj=staff,
        org_unit=staff.enrolment.school_id,
        reason=(reason or "").strip(),
        request=request,
        extra={"until": until.isoformat()},
    )
    return staff


# -- Tasks ---------------------------------------------------------------------------------


def responsible_choices(program: Program):
    """Units a task may be given to: the owner, the localities (and their successors) and the
    schools enrolled."""
    roots = locality_roots(program)
    schools = Enrolment.objects.filter(program=program).values("school_id")
    return OrgUnit.objects.filter(
        Q(pk=program.owner_id) | Q(pk__in=list(roots)) | Q(pk__in=schools)
    ).order_by("kind", "search_name")


def _reaches(start_ids: set[int], target: int, edges: dict[int, set[int]]) -> bool:
    seen, stack = set(), list(start_ids)
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, ()))
    return False


def _task_rules(
    task: ProgramTask, depends_on: list[ProgramTask], errors: _Errors, *, check_dates=True
) -> None:
    _dates_in_range(errors, task, ("starts_on", "due_on", "done_on"))
    if task.starts_on and task.due_on and task.due_on < task.starts_on:
        errors.add(
            "due_on",
            _("Hạn hoàn thành (%(due)s) không được trước ngày bắt đầu (%(start)s).")
            % {"due": _d(task.due_on), "start": _d(task.starts_on)},
        )
    if (
        task.responsible_id
        and not responsible_choices(task.program).filter(pk=task.responsible_id).exists()
    ):
        errors.add(
            "responsible",
            _("Đơn vị thực hiện phải là đơn vị chủ trì, địa phương hoặc trường tham gia."),
        )
    for dep in depends_on:
        if dep.program_id != task.program_id or (task.pk and dep.pk == task.pk):
            errors.add("depends_on", _("Chỉ chọn được nhiệm vụ khác của cùng chương trình."))
            return
        # The plan: a task starts once what it waits for is due. A task already done has met
        # its part; whether the task may really start is checked on its status (below).
        if check_dates and dep.status != TaskStatus.DONE and task.starts_on < dep.due_on:
            errors.add(
                "starts_on",
                _(
                    "“%(task)s” chỉ bắt đầu được khi “%(dep)s” đã xong (hạn %(day)s): hãy chọn "
                    "ngày bắt đầu từ %(day)s trở đi."
                )
                % {"task": task.title, "dep": dep.title, "day": _d(dep.due_on)},
            )
    if task.pk and depends_on:
        edges: dict[int, set[int]] = {}
        for source, target in ProgramTask.depends_on.through.objects.filter(
            from_programtask__program_id=task.program_id
        ).values_list("from_programtask_id", "to_programtask_id"):
            edges.setdefault(source, set()).add(target)
        edges[task.pk] = {d.pk for d in depends_on}
        if _reaches(edges[task.pk], task.pk, edges):
            errors.add(
                "depends_on",
                _("Các nhiệm vụ không thể phụ thuộc vòng tròn vào nhau (A chờ B, B lại chờ A)."),
            )
    if task.status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        for dep in depends_on:
            if dep.status != TaskStatus.DONE:
                errors.add(
                    "status",
                    _("Chưa thể bắt đầu: “%(dep)s” chưa hoàn thành.") % {"dep": dep.title},
                )


@transaction.atomic
def task_create(
    *,
    actor,
    program: Program,
    title: str,
    responsible,
    starts_on: datetime.date,
    due_on: datetime.date,
    milestone: bool = False,
    description: str = "",
    depends_on: Iterable[ProgramTask] = (),
    request=None,
) -> ProgramTask:
    _require_open(program)
    task = ProgramTask(
        program=program,
        title=(title or "").strip(),
        responsible=responsible,
        starts_on=starts_on,
        due_on=due_on,
        milestone=bool(milestone),
        description=(description or "").strip(),
        created_by=actor,
    )
    deps = list(depends_on)
    errors = _Errors()
    _task_rules(task, deps, errors)
    _full_clean(task, errors, exclude=["created_by"])
    errors.raise_if_any()
    task.save()
    task.depends_on.set(deps)
    audit.record(
        actor=actor,
        action="programs.task_create",
        obj=task,
        org_unit=task.responsible_id,
        request=request,
        extra={"program": program.pk, "depends_on": sorted(d.pk for d in deps)},
    )
    return task


@transaction.atomic
def task_update(
    *, actor, task: ProgramTask, depends_on=None, request=None, **changes
) -> ProgramTask:
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"task_update: unknown fields {sorted(unknown)}")
    _require_open(task.program)
    # Locked so two edits of the plan cannot each add one half of a dependency cycle.
    task = (
        ProgramTask.objects.select_for_update(of=("self",))
        .select_related("program", "responsible")
        .get(pk=task.pk)
    )
    for text in ("title", "description"):
        if changes.get(text) is not None:
            changes[text] = changes[text].strip()
    changed = [f for f in TASK_FIELDS if f in changes and getattr(task, f) != changes[f]]
    for name in changed:
        setattr(task, name, changes[name])
    current = list(task.depends_on.all())
    deps = list(depends_on) if depends_on is not None else current
    deps_changed = {d.pk for d in deps} != {d.pk for d in current}
    errors = _Errors()
    _task_rules(task, deps, errors)
    _full_clean(task, errors, exclude=["created_by"])
    for dependent in task.dependents.exclude(status=TaskStatus.PLANNED):
        if "due_on" in changed and dependent.starts_on < task.due_on:
            errors.add(
                "due_on",
                _("“%(dep)s” đã bắt đầu từ %(day)s và đang chờ nhiệm vụ này.")
                % {"dep": dependent.title, "day": _d(dependent.starts_on)},
            )
    errors.raise_if_any()
    if not (changed or deps_changed):
        return task
    if changed:
        task.save(update_fields=[*changed, "search_title", "updated_at"])
    if deps_changed:
        task.depends_on.set(deps)
    audit.record(
        actor=actor,
        action="programs.task_update",
        obj=task,
        org_unit=task.responsible_id,
        request=request,
        extra={"changed": sorted(changed + ["depends_on"] * deps_changed)},
    )
    return task


def _check_files(files, *, already: int) -> tuple[list, list[str]]:
    checked, messages = [], []
    if len(files) > MAX_FILES:
        return [], [_("Mỗi lần chỉ tải lên được tối đa %(n)s tệp.") % {"n": MAX_FILES}]
    if already + len(files) > MAX_EVIDENCE:
        return [], [_("Một nhiệm vụ có tối đa %(n)s tệp minh chứng.") % {"n": MAX_EVIDENCE}]
    for upload in files:
        try:
            checked.append((upload, uploads.check_upload(upload)))
        except ValidationError as error:
            messages.extend(error.messages)
    return checked, messages


@transaction.atomic
def task_status_set(
    *,
    actor,
    task: ProgramTask,
    status: str,
    done_on: datetime.date | None = None,
    evidence_note: str | None = None,
    files=(),
    request=None,
) -> ProgramTask:
    """Move a task on (or back), with what shows it was done: a note, files or both. A task
    starts only when the tasks it depends on are done; it goes back only when nothing waiting
    on it has started."""
    _require_open(task.program)
    task = (
        ProgramTask.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=task.pk)
    )
    files = list(files)
    errors = _Errors()
    if status not in TaskStatus.values:
        errors.add("status", _("Tình trạng không hợp lệ."))
        errors.raise_if_any()
    previous = task.status
    task.status = status
    if evidence_note is not None:
        task.evidence_note = evidence_note.strip()
    today = timezone.localdate()
    if status == TaskStatus.DONE:
        task.done_on = done_on or task.done_on or today
        if task.done_on > today:
            errors.add("done_on", _("Ngày hoàn thành không được sau hôm nay."))
        elif task.done_on < task.starts_on:
            errors.add(
                "done_on",
                _("Ngày hoàn thành không được trước ngày bắt đầu (%(day)s).")
                % {"day": _d(task.starts_on)},
            )
        if not (task.evidence_note or files or task.evidence.exists()):
            errors.add(
                "evidence_note",
                _("Hãy ghi minh chứng (văn bản, biên bản, báo cáo) hoặc tải lên tệp minh chứng."),
            )
    else:
        task.done_on = None
        if previous == TaskStatus.DONE:
            for dependent in task.dependents.exclude(status=TaskStatus.PLANNED):
                errors.add(
                    "status",
                    _("Không chuyển lại được: “%(dep)s” đã bắt đầu sau khi nhiệm vụ này xong.")
                    % {"dep": dependent.title},
                )
    _task_rules(task, list(task.depends_on.all()), errors, check_dates=False)
    checked, file_errors = _check_files(files, already=task.evidence.count())
    for message in file_errors:
        errors.add("files", message)
    errors.raise_if_any()
    saved: list[str] = []
    try:
        task.save(update_fields=["status", "done_on", "evidence_note", "updated_at"])
        for upload, kind in checked:
            name = uploads.store(upload, folder=UPLOAD_FOLDER, kind=kind)
            saved.append(name)
            evidence = TaskEvidence(
                task=task,
                stored_name=name,
                original_name=uploads.clean_name(upload.name),
                file_kind=kind.code,
                content_type=kind.content_type,
                size=upload.size,
                uploaded_by=actor,
            )
            evidence.full_clean()
            evidence.save()
        audit.record(
            actor=actor,
            action="programs.task_status",
            obj=task,
            org_unit=task.responsible_id,
            request=request,
            extra={"from": previous, "to": status, "files": len(checked)},
        )
    except BaseException:
        for name in saved:
            uploads.delete(name)
        raise
    return task
