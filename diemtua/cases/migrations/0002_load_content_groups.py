"""Load the content groups of Circular 31/2017 and Circular 18/2025 (reference data)."""

from django.db import migrations


def load(apps, schema_editor):
    from diemtua.cases.reference import load_content_groups

    load_content_groups(model=apps.get_model("cases", "ContentGroup"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
