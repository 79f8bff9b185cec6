"""Field encryption: AES-256-GCM with a rotatable key list, each value bound to its column.

DIEMTUA_FIELD_KEYS holds keys written as urlsafe base64 of 32 random bytes (the format of
`Fernet.generate_key()`, so keys configured before the switch to AES-GCM stay valid). The first key
encrypts, every key decrypts, so a new key can be put first and old rows re-encrypted later
(`manage.py rotate_keys`) without downtime.

Token format (ASCII, stored in the column as text)::

    g2.<keyid>.<urlsafe base64, unpadded, of: 12-byte random nonce + ciphertext + 16-byte tag>

The AES key is HKDF-SHA256 (no salt, info b"diemtua field encryption v1") of the key's 32 raw
bytes; <keyid> is the first 8 hex digits of SHA-256 of that AES key, so decryption goes straight to
the right key and the id reveals nothing usable about the key. The associated data is
b"diemtua:g2:" + the UTF-8 of the value's *context*, "<db_table>.<column>" of the column it is
stored in (e.g. "cases_session.notes"): a token copied into another column or table, by someone who
can write to the database but holds no key, no longer decrypts. Rows are deliberately not bound
(the same column of another row accepts the token): `bulk_update`, row copies and re-encryption
would all need the primary key before the row exists. Renaming a table or a column (including a
model rename that changes the default db_table) changes the context: re-encrypt its values in the
same migration (`rotate(token, new_context, from_context=old_context)`).

Older formats are still read, with no context binding:

* g1 (same layout, prefix "g1", fixed associated data b"diemtua:g1");
* Fernet tokens (AES-128-CBC + HMAC-SHA256), written before AES-GCM: anything not starting with
  "g1." or "g2." is read with MultiFernet over the same keys.

`rotate` (and so `manage.py rotate_keys`) rewrites both as g2 under the first key.

Errors never include the key, the token or the plain text.
"""

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "g2"
HKDF_INFO = b"diemtua field encryption v1"
ASSOCIATED_DATA_PREFIX = b"diemtua:g2:"
G1_PREFIX = "g1"
G1_ASSOCIATED_DATA = b"diemtua:g1"
NONCE_BYTES = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class Keyring:
    """The configured keys, ready to use: AES-GCM by key id, and MultiFernet for legacy tokens."""

    primary_id: str
    primary: AESGCM
    by_id: dict[str, list[AESGCM]]
    legacy: MultiFernet


def _raw_key(key: str, position: int, total: int) -> bytes:
    where = f"DIEMTUA_FIELD_KEYS entry {position} of {total}"
    try:
        # The same decoding Fernet applies to its keys, so every key that worked before still does.
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ImproperlyConfigured(
            f"{where} is not urlsafe base64: each key must be 32 random bytes in urlsafe base64 "
            "(e.g. Fernet.generate_key())."
        ) from None
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{where} decodes to {len(raw)} bytes, not {KEY_BYTES}: each key must be 32 random "
            "bytes in urlsafe base64 (e.g. Fernet.generate_key())."
        )
    return raw


def _derive(raw: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=HKDF_INFO).derive(raw)


def _key_id(aes_key: bytes) -> str:
    return hashlib.sha256(aes_key).hexdigest()[:8]


def key_id(key: str) -> str:
    """The key id that tokens encrypted under this DIEMTUA_FIELD_KEYS entry carry."""
    return _key_id(_derive(_raw_key(key, 1, 1)))


@lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> Keyring:
    if not keys:
        raise ImproperlyConfigured("DIEMTUA_FIELD_KEYS is empty: encrypted fields cannot work.")
    raws = [_raw_key(key, i, len(keys)) for i, key in enumerate(keys, start=1)]
    by_id: dict[str, list[AESGCM]] = {}
    ordered = []
    for raw in raws:
        aes_key = _derive(raw)
        entry = (_key_id(aes_key), AESGCM(aes_key))
        ordered.append(entry)
        # Two keys sharing an 8-hex-digit id is unlikely but harmless: both are tried.
        by_id.setdefault(entry[0], []).append(entry[1])
    legacy = MultiFernet([Fernet(base64.urlsafe_b64encode(raw)) for raw in raws])
    return Keyring(primary_id=ordered[0][0], primary=ordered[0][1], by_id=by_id, legacy=legacy)


def keyring() -> Keyring:
    return _keyring(tuple(settings.DIEMTUA_FIELD_KEYS))


def fernet() -> MultiFernet:
    """MultiFernet over the configured keys: reads values written before AES-GCM."""
    return keyring().legacy


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)


def context_for_table(db_table: str, column: str) -> str:
    """The context ("<db_table>.<column>") a value stored in this column is bound to.

    For data migrations, which see historical models: encrypt a raw value for a column with
    `crypto.encrypt(value, crypto.context_for_table("cases_case", "alias"))`.
    """
    if not db_table or not column:
        raise ValueError("An encryption context needs both a table name and a column name.")
    return f"{db_table}.{column}"


def context_for(model, field_name: str) -> str:
    """The context of a model's field (by name), as EncryptedTextField uses it."""
    field = model._meta.get_field(field_name)
    column = getattr(field, "column", None)
    if not column or not getattr(field, "concrete", False) or field.many_to_many:
        raise ValueError(f"{model._meta.label}.{field_name} is not stored in a column of its own.")
    return context_for_table(model._meta.db_table, column)


def _associated_data(context: str) -> bytes:
    if not isinstance(context, str):
        raise TypeError("The encryption context must be a str: '<db_table>.<column>'.")
    if not context:
        raise ValueError("The encryption context must not be empty: '<db_table>.<column>'.")
    return ASSOCIATED_DATA_PREFIX + context.encode("utf-8")


def encrypt(text: str, context: str) -> str:
    """Encrypt `text` as a g2 token bound to `context` ("<db_table>.<column>")."""
    associated_data = _associated_data(context)
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.primary.encrypt(nonce, text.encode("utf-8"), associated_data)
    return f"{PREFIX}.{ring.primary_id}.{_b64encode(nonce + sealed)}"


def _unreadable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "A stored value cannot be decrypted with DIEMTUA_FIELD_KEYS (key missing, or the value "
        "was altered or copied from another column)."
    )


def _decrypt_gcm(ring: Keyring, token: str, associated_data: bytes) -> bytes:
    parts = token.split(".")
    if len(parts) != 3:
        raise _unreadable()
    _, kid, body = parts
    candidates = ring.by_id.get(kid)
    if not candidates:
        raise ImproperlyConfigured(
            f"A stored value was encrypted with a key (id {kid[:8]!r}) that is not in "
            "DIEMTUA_FIELD_KEYS (old key removed before `manage.py rotate_keys`?)."
        )
    try:
        data = _b64decode(body)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise _unreadable() from None
    if len(data) < NONCE_BYTES + 16:
        raise _unreadable()
    nonce, sealed = data[:NONCE_BYTES], data[NONCE_BYTES:]
    for aesgcm in candidates:
        try:
            return aesgcm.decrypt(nonce, sealed, associated_data)
        except InvalidTag:
            continue
    raise _unreadable()


def decrypt(token: str, context: str) -> str:
    """Decrypt a stored token: g2 bound to `context`, or (context unused) g1 and legacy Fernet."""
    associated_data = _associated_data(context)  # checked for every format, so callers stay right
    ring = keyring()
    if token.startswith(PREFIX + "."):
        data = _decrypt_gcm(ring, token, associated_data)
    elif token.startswith(G1_PREFIX + "."):
        data = _decrypt_gcm(ring, token, G1_ASSOCIATED_DATA)
    else:
        try:
            data = ring.legacy.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise _unreadable() from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable() from None


def rotate(token: str, context: str, *, from_context: str | None = None) -> str:
    """Re-encrypt a stored token (g2, g1 or legacy Fernet) as a g2 token under the first key.

    The result is bound to `context`. `from_context` is the context the token was written for, when
    it differs (a table or column being renamed); by default the same.
    """
    return encrypt(decrypt(token, context if from_context is None else from_context), context)
