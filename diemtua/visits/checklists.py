"""Load the checklists shipped in `checklists/*.json` into the database.

Run after every migration (post_migrate), like the screening instruments: a definition that
changed becomes a new version; old versions stay, with the visits scored on them. A definition
is checked before anything is written, so a broken file stops the migration with its reason.
"""

import datetime
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

DEFINITIONS_DIR = Path(__file__).resolve().parent / "checklists"
_CODE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
MAX_SCORE_LIMIT = 10
MAX_WEIGHT = Decimal(10)


def checksum(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _texts(value, where: str, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, dict) or not str(value.get("vi", "")).strip():
        raise ValidationError(f"{where}: a Vietnamese text is required")


def validate_definition(definition: dict) -> None:
    """Refuse a definition a visit could not be scored on; the message names the place."""
    if not isinstance(definition, dict):
        raise ValidationError("checklist: not an object")
    code = definition.get("code", "")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ValidationError(f"checklist: bad code {code!r}")
    _texts(definition.get("title"), f"{code}.title")
    _texts(definition.get("regulation"), f"{code}.regulation", required=False)
    for key in ("applies_from", "applies_to"):
        if definition.get(key):
            try:
                datetime.date.fromisoformat(definition[key])
            except (TypeError, ValueError):
                raise ValidationError(f"{code}.{key}: not an ISO date") from None
    for step in definition.get("scale", []):
        if not isinstance(step.get("value"), int):
            raise ValidationError(f"{code}.scale: values are integers")
        _texts(step.get("label"), f"{code}.scale[{step.get('value')}]")
    criteria = definition.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        raise ValidationError(f"{code}: at least one criterion")
    seen = set()
    for index, criterion in enumerate(criteria):
        where = f"{code}.criteria[{index}]"
        ccode = criterion.get("code", "")
        if not isinstance(ccode, str) or not _CODE.match(ccode) or ccode in seen:
            raise ValidationError(f"{where}: missing, bad or repeated code {ccode!r}")
        seen.add(ccode)
        _texts(criterion.get("text"), f"{where}.text")
        _texts(criterion.get("guidance"), f"{where}.guidance", required=False)
        max_score = criterion.get("max_score")
        if not isinstance(max_score, int) or not 1 <= max_score <= MAX_SCORE_LIMIT:
            raise ValidationError(f"{where}.max_score: an integer from 1 to {MAX_SCORE_LIMIT}")
        try:
            weight = Decimal(str(criterion.get("weight", 1)))
        except InvalidOperation:
            raise ValidationError(f"{where}.weight: not a number") from None
        if not Decimal(0) < weight <= MAX_WEIGHT:
            raise ValidationError(f"{where}.weight: above 0 and at most {MAX_WEIGHT}")


def shipped_definitions() -> list[dict]:
    definitions = []
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        validate_definition(definition)
        definitions.append(definition)
    return definitions


@transaction.atomic
def sync_checklists(definitions: list[dict] | None = None) -> list[str]:
    """Make the database hold each definition as the current version; returns what changed."""
    from .models import Checklist, ChecklistVersion

    changed = []
    for definition in shipped_definitions() if definitions is None else definitions:
        validate_definition(definition)
        checklist, _created = Checklist.objects.select_for_update(of=("self",)).get_or_create(
            code=definition["code"]
        )
        digest = checksum(definition)
        current = checklist.current_version()
        if current is not None and current.checksum == digest:
            continue
        number = current.number + 1 if current else 1
        ChecklistVersion.objects.create(
            checklist=checklist, number=number, definition=definition, checksum=digest
        )
        changed.append(f"{checklist.code} v{number}")
    return changed
