"""Encrypt values written in plain text before 0004 made these columns encrypted, and refresh
the content groups' plain labels (reference data is loaded from code, idempotently)."""

from django.db import migrations

# (table, column) that 0004 turned into encrypted columns.
NEWLY_ENCRYPTED = [
    ("cases_case", "alias"),
    ("cases_consent", "partner_name"),
    ("cases_disclosure", "partner_name"),
    ("cases_planaction", "owner"),
    ("cases_session", "others_present"),
]
# What an already encrypted value starts with (AES-GCM tokens, or legacy Fernet).
TOKEN_PREFIXES = ("g1.", "g2.", "gAAAA")


def _readable(crypto, value: str, context: str) -> bool:
    from django.core.exceptions import ImproperlyConfigured

    try:
        crypto.decrypt(value, context)
    except (ImproperlyConfigured, ValueError):
        return False
    return True


def encrypt_plain_values(apps, schema_editor):
    from diemtua.core import crypto

    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in NEWLY_ENCRYPTED:
            cursor.execute(
                f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608 — fixed names
                f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
            )
            context = crypto.context_for_table(table, column)
            for pk, value in cursor.fetchall():
                if value.startswith(TOKEN_PREFIXES) and _readable(crypto, value, context):
                    continue  # already encrypted (plain text may start like a token: checked)
                cursor.execute(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                    [crypto.encrypt(value, context), pk],
                )


def reload_content_groups(apps, schema_editor):
    from diemtua.cases.reference import load_content_groups

    load_content_groups(model=apps.get_model("cases", "ContentGroup"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_encrypt_names_and_labels")]

    operations = [
        # Irreversible: going back past 0004 would put ciphertext into short varchar columns.
        migrations.RunPython(encrypt_plain_values),
        migrations.RunPython(reload_content_groups, migrations.RunPython.noop),
    ]
