"""Loading Viet Nam's administrative units into the org tree.

Today's 34 provinces and their communes come from the `vietnam-provinces` package (official
codes). The 2024 provinces that merged on 01/07/2025 (Resolution 202/2025/QH15) are not in that
package, so they are listed here with their old codes and the province that took them over:
the 2024 pilot's Hà Giang and Hòa Bình must keep reporting under their own names.
"""

import datetime

from django.db import transaction
from vietnam_provinces import Province, Ward

from diemtua.core.text import fold

from .models import OrgKind, OrgUnit, OrgUnitAncestor

MINISTRY_CODE = "BGDDT"
MINISTRY_NAME = "Bộ Giáo dục và Đào tạo"
MERGER_LAST_DAY = datetime.date(2025, 6, 30)

# Old province code → (old name, code of today's province that continues it).
MERGED_PROVINCES = {
    "02": ("Hà Giang", "08"),
    "06": ("Bắc Kạn", "19"),
    "10": ("Lào Cai", "15"),
    "15": ("Yên Bái", "15"),
    "17": ("Hòa Bình", "25"),
    "26": ("Vĩnh Phúc", "25"),
    "24": ("Bắc Giang", "24"),
    "27": ("Bắc Ninh", "24"),
    "30": ("Hải Dương", "31"),
    "34": ("Thái Bình", "33"),
    "35": ("Hà Nam", "37"),
    "36": ("Nam Định", "37"),
    "44": ("Quảng Bình", "44"),
    "45": ("Quảng Trị", "44"),
    "49": ("Quảng Nam", "48"),
    "62": ("Kon Tum", "51"),
    "52": ("Bình Định", "52"),
    "64": ("Gia Lai", "52"),
    "58": ("Ninh Thuận", "56"),
    "54": ("Phú Yên", "66"),
    "67": ("Đắk Nông", "68"),
    "60": ("Bình Thuận", "68"),
    "70": ("Bình Phước", "75"),
    "72": ("Tây Ninh", "80"),
    "80": ("Long An", "80"),
    "74": ("Bình Dương", "79"),
    "77": ("Bà Rịa - Vũng Tàu", "79"),
    "82": ("Tiền Giang", "82"),
    "87": ("Đồng Tháp", "82"),
    "83": ("Bến Tre", "86"),
    "84": ("Trà Vinh", "86"),
    "89": ("An Giang", "91"),
    "91": ("Kiên Giang", "91"),
    "93": ("Hậu Giang", "92"),
    "94": ("Sóc Trăng", "92"),
    "95": ("Bạc Liêu", "96"),
}


def province_code(province: Province) -> str:
    return f"{int(province.code):02d}"


def department_name(province_name: str) -> str:
    """Official style: "Sở GD&ĐT Hà Nội", "Sở GD&ĐT TP. Hồ Chí Minh", "Sở GD&ĐT Thanh Hóa"."""
    if province_name == "Thành phố Hà Nội":
        return "Sở GD&ĐT Hà Nội"
    return f"Sở GD&ĐT {province_name.replace('Thành phố ', 'TP. ')}"


def _save(unit: OrgUnit, values: dict) -> bool:
    changed = [field for field, value in values.items() if getattr(unit, field) != value]
    for field in changed:
        setattr(unit, field, values[field])
    if changed:
        unit.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def _ensure_closure(units: list[OrgUnit]) -> None:
    """Closure rows for units that have none yet (new leaves under a fixed parent)."""
    ids = [u.pk for u in units]
    linked = set(
        OrgUnitAncestor.objects.filter(descendant_id__in=ids, depth=0).values_list(
            "descendant_id", flat=True
        )
    )
    parent_chains: dict[int, list[tuple[int, int]]] = {}
    rows = []
    for unit in units:
        if unit.pk in linked:
            continue
        rows.append(OrgUnitAncestor(ancestor_id=unit.pk, descendant_id=unit.pk, depth=0))
        if unit.parent_id:
            if unit.parent_id not in parent_chains:
                parent_chains[unit.parent_id] = list(
                    OrgUnitAncestor.objects.filter(descendant_id=unit.parent_id).values_list(
                        "ancestor_id", "depth"
                    )
                )
            rows.extend(
                OrgUnitAncestor(ancestor_id=a, descendant_id=unit.pk, depth=d + 1)
                for a, d in parent_chains[unit.parent_id]
            )
    OrgUnitAncestor.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def load_admin_units(*, with_communes: bool = False) -> dict[str, int]:
    """Create or update the ministry, departments (today's and merged ones) and communes.

    Idempotent: units are matched by kind and official code, so re-running updates names and
    never duplicates. Structural moves of existing units go through orgs.services instead.
    """
    stats = {"created": 0, "updated": 0}

    ministry, created = OrgUnit.objects.get_or_create(
        kind=OrgKind.MINISTRY,
        code=MINISTRY_CODE,
        valid_to=None,
        defaults={"name": MINISTRY_NAME},
    )
    stats["created" if created else "updated"] += int(created)
    _ensure_closure([ministry])

    today: dict[str, OrgUnit] = {}
    for province in Province.iter_all():
        code = province_code(province)
        values = {"name": department_name(province.name), "parent": ministry}
        unit = OrgUnit.objects.filter(kind=OrgKind.DEPARTMENT, code=code, valid_to=None).first()
        if unit is None:
            unit = OrgUnit.objects.create(kind=OrgKind.DEPARTMENT, code=code, **values)
            stats["created"] += 1
        elif _save(unit, values):
            stats["updated"] += 1
        today[code] = unit
    _ensure_closure(list(today.values()))

    merged = []
    for code, (name, successor_code) in MERGED_PROVINCES.items():
        values = {
            "name": department_name(name),
            "parent": ministry,
            "successor": today[successor_code],
        }
        unit = OrgUnit.objects.filter(
            kind=OrgKind.DEPARTMENT, code=code, valid_to=MERGER_LAST_DAY
        ).first()
        if unit is None:
            unit = OrgUnit.objects.create(
                kind=OrgKind.DEPARTMENT, code=code, valid_to=MERGER_LAST_DAY, **values
            )
            stats["created"] += 1
        elif _save(unit, values):
            stats["updated"] += 1
        merged.append(unit)
    _ensure_closure(merged)

    if with_communes:
        commune_stats = _load_communes(today)
        stats["created"] += commune_stats["created"]
        stats["updated"] += commune_stats["updated"]
    return stats


def _load_communes(departments: dict[str, OrgUnit]) -> dict[str, int]:
    stats = {"created": 0, "updated": 0}
    existing = {
        u.code: u for u in OrgUnit.objects.filter(kind=OrgKind.COMMUNE, valid_to__isnull=True)
    }
    valid_from = datetime.date(2025, 7, 1)
    to_create, to_update = [], []
    for ward in Ward.iter_all():
        code = f"{int(ward.code):05d}"
        parent = departments[f"{int(ward.province_code):02d}"]
        unit = existing.get(code)
        if unit is None:
            unit = OrgUnit(
                kind=OrgKind.COMMUNE,
                code=code,
                name=ward.name,
                parent=parent,
                valid_from=valid_from,
            )
            to_create.append(unit)
        elif unit.name != ward.name or unit.parent_id != parent.pk:
            unit._loaded_parent_id = unit.parent_id
            unit.name, unit.parent = ward.name, parent
            to_update.append(unit)
    # bulk_create skips save(), so fill the folded names here.
    for unit in to_create + to_update:
        unit.search_name = fold(unit.name)
    OrgUnit.objects.bulk_create(to_create, batch_size=1000)
    OrgUnit.objects.bulk_update(to_update, ["name", "search_name", "parent"], batch_size=1000)
    stats["created"] += len(to_create)
    stats["updated"] += len(to_update)
    # bulk_create gives primary keys on PostgreSQL and SQLite, so the new communes can be linked.
    _ensure_closure(to_create)
    if any(u.parent_id != u._loaded_parent_id for u in to_update):
        # A commune moved to another province (a new merger): its schools move with it, so
        # the whole closure is recomputed from parent links rather than patched.
        from .services import closure_rebuild

        closure_rebuild()
    return stats
