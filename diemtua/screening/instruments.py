"""Load the questionnaire definitions shipped in `instruments/*.json` into the database.

Run after every migration (post_migrate) and by `manage.py load_instruments`: a definition that
changed becomes a new version; old versions stay, with the answers given on them. We ship only
instruments free to reproduce electronically (PHQ-9 and GAD-7 are; the SDQ's licence forbids
electronic use without permission, so it is not here).
"""

import hashlib
import json
from pathlib import Path

from django.db import transaction

from .scoring import validate_definition

DEFINITIONS_DIR = Path(__file__).resolve().parent / "instruments"


def checksum(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def shipped_definitions() -> list[dict]:
    definitions = []
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        validate_definition(definition)
        definitions.append(definition)
    return definitions


@transaction.atomic
def sync_instruments(definitions: list[dict] | None = None) -> list[str]:
    """Make the database hold each definition as the current version; returns what changed."""
    from .models import Instrument, InstrumentVersion

    changed = []
    for definition in shipped_definitions() if definitions is None else definitions:
        validate_definition(definition)
        instrument, _created = Instrument.objects.select_for_update().get_or_create(
            code=definition["code"],
            defaults={"kind": definition["kind"], "audience": definition["audience"]},
        )
        if (instrument.kind, instrument.audience) != (definition["kind"], definition["audience"]):
            instrument.kind, instrument.audience = definition["kind"], definition["audience"]
            instrument.save(update_fields=["kind", "audience", "updated_at"])
        digest = checksum(definition)
        current = instrument.current_version()
        if current is not None and current.checksum == digest:
            continue
        number = current.number + 1 if current else 1
        InstrumentVersion.objects.create(
            instrument=instrument, number=number, definition=definition, checksum=digest
        )
        changed.append(f"{instrument.code} v{number}")
    return changed
