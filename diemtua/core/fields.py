from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted at rest (AES-256-GCM, see crypto); reads give back plain text.

    Encrypted values cannot be searched or sorted in the database: keep only free text here,
    never a value you need to filter on.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
