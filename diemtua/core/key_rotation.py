"""Re-encrypting every encrypted field under the newest key in DIEMTUA_FIELD_KEYS.

Rotation: put the new key first in DIEMTUA_FIELD_KEYS (keep the old ones after it), run
`manage.py rotate_keys`, then remove the old keys. Reading decrypts with any listed key; saving
encrypts with the first, so reading and writing back each value is the whole job. Values in older
formats (g1, Fernet) come back as g2 tokens bound to their column (see crypto).
"""

from django.apps import apps
from django.db import transaction

from .fields import EncryptedTextField

BATCH = 500


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every concrete model with EncryptedTextFields, and their names."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names and not model._meta.proxy:
            found.append((model, names))
    return found


def rotate_all() -> dict[str, int]:
    """Re-encrypt every non-empty encrypted value; returns rows rewritten per model."""
    counts = {}
    for model, names in encrypted_fields():
        rewritten = 0
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                rows = list(
                    model.objects.filter(pk__in=pks[start : start + BATCH]).only("pk", *names)
                )
                # Values come back decrypted; bulk_update encrypts them with the newest key, as g2
                # bound to each field's own column (Value(..., output_field=field) in its CASE).
                changed = [row for row in rows if any(getattr(row, n) for n in names)]
                model.objects.bulk_update(changed, names)
                rewritten += len(changed)
        counts[model._meta.label] = rewritten
    return counts
