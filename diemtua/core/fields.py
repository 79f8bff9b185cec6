from django.core.exceptions import ImproperlyConfigured
from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted at rest (AES-256-GCM, see crypto); reads give back plain text.

    Each value is bound to its column ("<db_table>.<column>", see crypto.context_for_table): a
    token copied into another column or table does not decrypt. "" and None are stored as they
    are, unencrypted.

    Encrypted values cannot be searched or sorted in the database: keep only free text here,
    never a value you need to filter on (only `=""` and `isnull` work).
    """

    def crypto_context(self) -> str:
        """The context values of this column are bound to; computed when used, not at class
        creation, so it follows the model's final db_table (and historical models in migrations).
        """
        model = getattr(self, "model", None)
        if model is None or not self.column:
            raise ImproperlyConfigured(
                "An EncryptedTextField must belong to a model to encrypt or decrypt: its values "
                "are bound to their table and column."
            )
        return crypto.context_for_table(model._meta.db_table, self.column)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, self.crypto_context())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, self.crypto_context())
