"""Field encryption: AES-256-GCM with a rotatable key list.

DIEMTUA_FIELD_KEYS holds keys written as urlsafe base64 of 32 random bytes (the format of
`Fernet.generate_key()`, so keys configured before the switch to AES-GCM stay valid). The first key
encrypts, every key decrypts, so a new key can be put first and old rows re-encrypted later
(`manage.py rotate_keys`) without downtime.

Token format (ASCII, stored in the column as text)::

    g1.<keyid>.<urlsafe base64, unpadded, of: 12-byte random nonce + ciphertext + 16-byte tag>

The AES key is HKDF-SHA256 (no salt, info b"diemtua field encryption v1") of the key's 32 raw
bytes; <keyid> is the first 8 hex digits of SHA-256 of that AES key, so decryption goes straight to
the right key and the id reveals nothing usable about the key. The associated data is the fixed
b"diemtua:g1", binding the ciphertext to this format version.

Values written before AES-GCM are Fernet tokens (AES-128-CBC + HMAC-SHA256); anything not starting
with "g1." is read with MultiFernet over the same keys, and rotation rewrites it as a g1 token.

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

PREFIX = "g1"
HKDF_INFO = b"diemtua field encryption v1"
ASSOCIATED_DATA = b"diemtua:g1"
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


def encrypt(text: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.primary.encrypt(nonce, text.encode("utf-8"), ASSOCIATED_DATA)
    return f"{PREFIX}.{ring.primary_id}.{_b64encode(nonce + sealed)}"


def _unreadable() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "A stored value cannot be decrypted with DIEMTUA_FIELD_KEYS (key missing, or the value "
        "was altered)."
    )


def _decrypt_g1(ring: Keyring, token: str) -> bytes:
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
            return aesgcm.decrypt(nonce, sealed, ASSOCIATED_DATA)
        except InvalidTag:
            continue
    raise _unreadable()


def decrypt(token: str) -> str:
    ring = keyring()
    if token.startswith(PREFIX + "."):
        data = _decrypt_g1(ring, token)
    else:
        try:
            data = ring.legacy.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise _unreadable() from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable() from None


def rotate(token: str) -> str:
    """Re-encrypt a stored token (g1 or legacy Fernet) as a g1 token under the first key."""
    return encrypt(decrypt(token))
