"""Load the content groups of Circular 31/2017 and Circular 18/2025 (reference data)."""

from django.db import migrations


def load(apps, schema_editor):
    from diemtua.cases.reference import CONTENT_GROUPS

    ContentGroup = apps.get_model("cases", "ContentGroup")
    for regulation, (valid_from, valid_to, groups) in CONTENT_GROUPS.items():
        for position, (code, name, plain) in enumerate(groups, start=1):
            ContentGroup.objects.update_or_create(
                regulation=regulation,
                code=code,
                defaults={
                    "position": position,
                    "name": name,
                    "plain_label": plain,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
