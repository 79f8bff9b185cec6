"""Writes to the organisation tree. The closure table is kept correct here and only here."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemtua.audit import services as audit

from .models import (
    ALLOWED_PARENT_KINDS,
    OrgKind,
    OrgUnit,
    OrgUnitAncestor,
    PastPlacement,
    SchoolLevel,
)
from .signals import tree_changed


def _check_parent(unit: OrgUnit) -> None:
    allowed = ALLOWED_PARENT_KINDS[OrgKind(unit.kind)]
    if unit.parent_id is None:
        if allowed:
            raise ValidationError({"parent": _("Đơn vị loại này phải có đơn vị cấp trên.")})
        return
    if unit.parent.kind not in allowed:
        raise ValidationError({"parent": _("Đơn vị cấp trên không đúng loại.")})
    if unit.pk and OrgUnitAncestor.objects.filter(ancestor=unit, descendant=unit.parent).exists():
        raise ValidationError({"parent": _("Không thể chuyển một đơn vị vào bên dưới chính nó.")})


def _link_to_ancestors(unit: OrgUnit) -> None:
    """Create the closure rows of a new leaf unit: itself plus each ancestor of its parent."""
    rows = [OrgUnitAncestor(ancestor=unit, descendant=unit, depth=0)]
    if unit.parent_id:
        for link in OrgUnitAncestor.objects.filter(descendant_id=unit.parent_id):
            rows.append(
                OrgUnitAncestor(ancestor_id=link.ancestor_id, descendant=unit, depth=link.depth + 1)
            )
    OrgUnitAncestor.objects.bulk_create(rows)


@transaction.atomic
def org_unit_create(
    *,
    actor,
    kind: str,
    name: str,
    code: str,
    parent: OrgUnit | None = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    school_level: str = "",
    commune: OrgUnit | None = None,
    address: str = "",
    audit_reason: str = "",
) -> OrgUnit:
    unit = OrgUnit(
        kind=kind,
        name=name,
        code=code,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        school_level=school_level,
        commune=commune,
        address=address,
    )
    _check_parent(unit)
    unit.full_clean()
    unit.save()
    _link_to_ancestors(unit)
    audit.record(
        actor=actor,
        action="orgs.unit_create",
        obj=unit,
        org_unit=unit,
        reason=audit_reason,
        extra={"kind": kind, "code": code, "parent": parent.pk if parent else None},
    )
    return unit


@transaction.atomic
def org_unit_update(*, actor, unit: OrgUnit, audit_reason: str = "", **changes) -> OrgUnit:
    """Change a unit's fields; a new parent moves its whole subtree in the closure table."""
    allowed = {
        "name",
        "code",
        "parent",
        "valid_from",
        "valid_to",
        "successor",
        "school_level",
        "commune",
        "address",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"org_unit_update: unknown fields {sorted(unknown)}")
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    old_parent_id = unit.parent_id
    changed = [field for field, value in changes.items() if getattr(unit, field) != value]
    if not changed:
        return unit
    for field in changed:
        setattr(unit, field, changes[field])
    _check_parent(unit)
    unit.full_clean()
    unit.save(update_fields=[*changed, "updated_at"])
    if unit.parent_id != old_parent_id:
        _move_subtree(unit)
        if old_parent_id is not None:
            # Reports of earlier periods still add this unit up under its old parent.
            PastPlacement.objects.update_or_create(
                unit=unit,
                until=timezone.localdate() - datetime.timedelta(days=1),
                defaults={"parent_id": old_parent_id},
            )
    audit.record(
        actor=actor,
        action="orgs.unit_update",
        obj=unit,
        org_unit=unit,
        reason=audit_reason,
        extra={"changed": sorted(changed)},
    )
    return unit


@transaction.atomic
def school_create(
    *,
    actor,
    department: OrgUnit,
    name: str,
    code: str,
    school_level: str,
    commune: OrgUnit,
    address: str = "",
) -> OrgUnit:
    """A new school in a province, placed where the 2025 two-level government puts it.

    Communes manage primary and lower-secondary schools; schools that teach upper secondary
    (including multi-level ones) stay under the department.
    """
    if commune.parent_id != department.pk:
        raise ValidationError({"commune": _("Xã/phường không thuộc tỉnh này.")})
    under_department = school_level in {SchoolLevel.UPPER_SECONDARY, SchoolLevel.MULTI_LEVEL}
    return org_unit_create(
        actor=actor,
        kind=OrgKind.SCHOOL,
        name=name,
        code=code,
        parent=department if under_department else commune,
        school_level=school_level,
        commune=commune,
        address=address,
    )


def _move_subtree(unit: OrgUnit) -> None:
    subtree = list(
        OrgUnitAncestor.objects.filter(ancestor=unit).values_list("descendant_id", "depth")
    )
    subtree_ids = [descendant_id for descendant_id, _depth in subtree]
    # Drop links from outside the subtree into it, then relink under the new parent's ancestors.
    OrgUnitAncestor.objects.filter(descendant_id__in=subtree_ids).exclude(
        ancestor_id__in=subtree_ids
    ).delete()
    if unit.parent_id is None:
        tree_changed.send(sender=OrgUnit, unit=unit)
        return
    new_ancestors = list(
        OrgUnitAncestor.objects.filter(descendant_id=unit.parent_id).values_list(
            "ancestor_id", "depth"
        )
    )
    OrgUnitAncestor.objects.bulk_create(
        [
            OrgUnitAncestor(
                ancestor_id=ancestor_id,
                descendant_id=descendant_id,
                depth=ancestor_depth + 1 + depth,
            )
            for ancestor_id, ancestor_depth in new_ancestors
            for descendant_id, depth in subtree
        ]
    )
    tree_changed.send(sender=OrgUnit, unit=unit)


@transaction.atomic
def org_unit_end(
    *, actor, unit: OrgUnit, valid_to: datetime.date, successor: OrgUnit | None
) -> OrgUnit:
    """Close a unit on a date (merger, dissolution) and name the unit that carries on its work."""
    if successor is not None and successor.kind != unit.kind:
        raise ValidationError({"successor": _("Đơn vị kế thừa phải cùng loại.")})
    return org_unit_update(
        actor=actor, unit=unit, valid_to=valid_to, successor=successor, audit_reason="end"
    )


def closure_rebuild() -> int:
    """Recompute the whole closure table from parent links (repair tool; returns rows)."""
    parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    rows = []
    for unit_id in parents:
        depth, current, seen = 0, unit_id, set()
        while current is not None and current not in seen:
            seen.add(current)
            rows.append(OrgUnitAncestor(ancestor_id=current, descendant_id=unit_id, depth=depth))
            current, depth = parents.get(current), depth + 1
    with transaction.atomic():
        OrgUnitAncestor.objects.all().delete()
        OrgUnitAncestor.objects.bulk_create(rows, batch_size=2000)
        tree_changed.send(sender=OrgUnit, unit=None)
    return len(rows)


@transaction.atomic
def past_placement_record(
    *, actor, unit: OrgUnit, parent: OrgUnit, until: datetime.date
) -> PastPlacement:
    """Record where a unit sat before a reorganisation that happened outside Điểm Tựa.

    Used for the 2025 mergers: schools created under today's provinces that reported under
    Hà Giang or Hòa Bình until 30/06/2025.
    """
    if (
        parent.pk == unit.pk
        or OrgUnitAncestor.objects.filter(ancestor=unit, descendant=parent).exists()
    ):
        raise ValidationError({"parent": _("Không thể chuyển một đơn vị vào bên dưới chính nó.")})
    if parent.kind not in ALLOWED_PARENT_KINDS[OrgKind(unit.kind)]:
        raise ValidationError({"parent": _("Đơn vị cấp trên không đúng loại.")})
    placement, _created = PastPlacement.objects.update_or_create(
        unit=unit, until=until, defaults={"parent": parent}
    )
    # The tree of past periods changed: sums kept over the old picture must go.
    tree_changed.send(sender=OrgUnit, unit=unit)
    audit.record(
        actor=actor,
        action="orgs.past_placement",
        obj=unit,
        org_unit=unit,
        extra={"parent": parent.pk, "until": until.isoformat()},
    )
    return placement
