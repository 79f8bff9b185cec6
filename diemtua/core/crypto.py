"""Field encryption with a rotatable key list (MultiFernet).

DIEMTUA_FIELD_KEYS holds Fernet keys; the first encrypts, every key decrypts, so a new key can be
put first and old rows re-encrypted later without downtime.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("DIEMTUA_FIELD_KEYS is empty: encrypted fields cannot work.")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.DIEMTUA_FIELD_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with DIEMTUA_FIELD_KEYS (key missing?)."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored token with the first key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")
