"""AES-256-GCM field encryption (`diemtua.core.crypto`), checked against the documented format."""

import base64
import hashlib
import re

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured

from diemtua.core import crypto

VIETNAMESE = "Em Nguyễn Khánh Uyên, lớp 6A: hay lo âu trước giờ kiểm tra; bị bắt nạt ở căng tin."
TOKEN_RE = re.compile(r"^g1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)$")


def _new_key() -> str:
    return Fernet.generate_key().decode()


def _aes_key(key: str) -> bytes:
    """The spec, written out independently of crypto.py."""
    raw = base64.urlsafe_b64decode(key)
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"diemtua field encryption v1"
    ).derive(raw)


def _expected_id(key: str) -> str:
    return hashlib.sha256(_aes_key(key)).hexdigest()[:8]


def _body(token: str) -> bytes:
    body = token.split(".")[2]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _token(kid: str, data: bytes) -> str:
    return f"g1.{kid}.{base64.urlsafe_b64encode(data).rstrip(b'=').decode()}"


@pytest.fixture
def key(settings):
    key = _new_key()
    settings.DIEMTUA_FIELD_KEYS = [key]
    return key


@pytest.mark.parametrize("text", [VIETNAMESE, "", "a", "đ" * 100_000, "😀 \x00 \n\t"])
def test_round_trip(key, text):
    token = crypto.encrypt(text)
    assert crypto.decrypt(token) == text
    if len(text) > 8:  # a short text may appear in base64 by chance
        assert text not in token


def test_token_format_matches_the_spec(key):
    token = crypto.encrypt(VIETNAMESE)
    match = TOKEN_RE.match(token)
    assert match, token
    assert match.group(1) == _expected_id(key) == crypto.key_id(key)
    data = _body(token)
    plain = VIETNAMESE.encode("utf-8")
    assert len(data) == 12 + len(plain) + 16  # nonce + ciphertext + GCM tag
    # Anyone holding the key and the documented derivation can open it.
    opened = AESGCM(_aes_key(key)).decrypt(data[:12], data[12:], b"diemtua:g1")
    assert opened == plain


def test_padded_body_is_accepted(key):
    token = crypto.encrypt("xin chào")
    kid, body = token.split(".")[1:]
    padded = f"g1.{kid}.{body}{'=' * (-len(body) % 4)}"
    assert crypto.decrypt(padded) == "xin chào"


def test_same_plaintext_twice_gives_different_tokens(key):
    tokens = {crypto.encrypt(VIETNAMESE) for _ in range(50)}
    assert len(tokens) == 50
    nonces = {_body(token)[:12] for token in tokens}
    assert len(nonces) == 50


@pytest.mark.parametrize("position", [0, 5, 11, 12, 20, -1])
def test_flipped_byte_is_refused(key, position):
    token = crypto.encrypt(VIETNAMESE)
    data = bytearray(_body(token))
    data[position] ^= 0x01
    tampered = _token(token.split(".")[1], bytes(data))
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(tampered)
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message
    assert tampered not in message and "Uyên" not in message


def test_truncated_or_malformed_tokens_are_refused(key):
    token = crypto.encrypt(VIETNAMESE)
    for bad in [token[:-4], "g1." + token.split(".")[1] + ".", "g1.", token + ".x", "g1.abc!.%%%"]:
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(bad)


def test_other_associated_data_is_refused(key):
    nonce = b"\x00" * 12
    sealed = AESGCM(_aes_key(key)).encrypt(nonce, b"secret", b"diemtua:g2")
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(_token(_expected_id(key), nonce + sealed))


def test_unknown_key_id_is_refused_without_leaking(settings):
    settings.DIEMTUA_FIELD_KEYS = [_new_key()]
    token = crypto.encrypt(VIETNAMESE)
    settings.DIEMTUA_FIELD_KEYS = [_new_key()]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(token)
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message
    assert token not in message and token.split(".")[2][:10] not in message
    assert "Uyên" not in message


def test_key_id_spoofed_onto_another_keys_token_is_refused(settings):
    first, second = _new_key(), _new_key()
    settings.DIEMTUA_FIELD_KEYS = [first]
    token = crypto.encrypt(VIETNAMESE)
    settings.DIEMTUA_FIELD_KEYS = [second, first]
    spoofed = _token(_expected_id(second), _body(token))
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(spoofed)


def test_rotation_old_values_stay_readable_and_rotate_to_the_new_key(settings):
    old, new = _new_key(), _new_key()
    settings.DIEMTUA_FIELD_KEYS = [old]
    token = crypto.encrypt(VIETNAMESE)
    assert token.split(".")[1] == _expected_id(old)

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    assert crypto.decrypt(token) == VIETNAMESE
    assert crypto.encrypt("x").split(".")[1] == _expected_id(new)
    rotated = crypto.rotate(token)
    assert TOKEN_RE.match(rotated).group(1) == _expected_id(new) != _expected_id(old)

    settings.DIEMTUA_FIELD_KEYS = [new]
    assert crypto.decrypt(rotated) == VIETNAMESE
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_legacy_fernet_tokens_are_read_and_rotated_to_g1(settings):
    old, new = _new_key(), _new_key()
    legacy = Fernet(old.encode()).encrypt(VIETNAMESE.encode("utf-8")).decode()
    settings.DIEMTUA_FIELD_KEYS = [old]
    assert crypto.decrypt(legacy) == VIETNAMESE

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    assert crypto.decrypt(legacy) == VIETNAMESE
    rotated = crypto.rotate(legacy)
    assert TOKEN_RE.match(rotated).group(1) == _expected_id(new)
    settings.DIEMTUA_FIELD_KEYS = [new]
    assert crypto.decrypt(rotated) == VIETNAMESE

    # A legacy token under the first key is rewritten as g1 as well.
    settings.DIEMTUA_FIELD_KEYS = [old]
    assert crypto.rotate(legacy).startswith(f"g1.{_expected_id(old)}.")


def test_tampered_legacy_token_is_refused_without_leaking(key):
    legacy = Fernet(key.encode()).encrypt(b"bi mat").decode()
    tampered = legacy[:-6] + ("A" if legacy[-6] != "A" else "B") + legacy[-5:]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(tampered)
    assert tampered not in str(excinfo.value)
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt("không phải token")


@pytest.mark.parametrize(
    "bad",
    [
        base64.urlsafe_b64encode(b"k" * 16).decode(),  # AES-128 sized
        base64.urlsafe_b64encode(b"k" * 64).decode(),
        "not base64 at all!",
        "Đây-không-phải-khóa",
    ],
)
def test_bad_keys_are_refused_with_a_clear_message(settings, bad):
    settings.DIEMTUA_FIELD_KEYS = [_new_key(), bad]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.encrypt("x")
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message and "entry 2 of 2" in message
    assert "32" in message
    assert bad not in message and bad[:8] not in message


def test_empty_key_list_is_refused(settings):
    settings.DIEMTUA_FIELD_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="DIEMTUA_FIELD_KEYS"):
        crypto.encrypt("x")


def test_development_key_is_still_a_valid_key(settings):
    settings.DIEMTUA_FIELD_KEYS = [settings.DEV_FIELD_KEY]
    assert crypto.decrypt(crypto.encrypt(VIETNAMESE)) == VIETNAMESE
