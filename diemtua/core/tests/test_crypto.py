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

from diemtua.cases.models import HelpRequest, Session
from diemtua.core import crypto
from diemtua.core.fields import EncryptedTextField
from diemtua.students.models import Student

VIETNAMESE = "Em Nguyễn Khánh Uyên, lớp 6A: hay lo âu trước giờ kiểm tra; bị bắt nạt ở căng tin."
TOKEN_RE = re.compile(r"^g2\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)$")
CTX = "cases_session.notes"
OTHER_CTX = "students_student.support_needs"


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


def _token(kid: str, data: bytes, version: str = "g2") -> str:
    return f"{version}.{kid}.{base64.urlsafe_b64encode(data).rstrip(b'=').decode()}"


def _sealed(key: str, plain: bytes, associated_data: bytes, version: str) -> str:
    """A token made by hand from the spec: the nonce, then AES-GCM under the derived key."""
    nonce = b"\x07" * 12
    sealed = AESGCM(_aes_key(key)).encrypt(nonce, plain, associated_data)
    return _token(_expected_id(key), nonce + sealed, version)


@pytest.fixture
def key(settings):
    key = _new_key()
    settings.DIEMTUA_FIELD_KEYS = [key]
    return key


@pytest.mark.parametrize("text", [VIETNAMESE, "", "a", "đ" * 100_000, "😀 \x00 \n\t"])
def test_round_trip(key, text):
    token = crypto.encrypt(text, CTX)
    assert TOKEN_RE.match(token)
    assert crypto.decrypt(token, CTX) == text
    if len(text) > 8:  # a short text may appear in base64 by chance
        assert text not in token


def test_token_format_matches_the_spec(key):
    token = crypto.encrypt(VIETNAMESE, CTX)
    match = TOKEN_RE.match(token)
    assert match, token
    assert match.group(1) == _expected_id(key) == crypto.key_id(key)
    data = _body(token)
    plain = VIETNAMESE.encode("utf-8")
    assert len(data) == 12 + len(plain) + 16  # nonce + ciphertext + GCM tag
    # Anyone holding the key and the documented derivation can open it.
    opened = AESGCM(_aes_key(key)).decrypt(data[:12], data[12:], b"diemtua:g2:" + CTX.encode())
    assert opened == plain


def test_hand_made_g2_token_with_a_unicode_context_is_read(key):
    context = "bảng_đặc_biệt.ghi_chú"
    token = _sealed(key, b"xin ch\xc3\xa0o", b"diemtua:g2:" + context.encode("utf-8"), "g2")
    assert crypto.decrypt(token, context) == "xin chào"


def test_token_for_another_context_is_refused_without_leaking(key):
    token = crypto.encrypt(VIETNAMESE, CTX)
    for other in [OTHER_CTX, "cases_session.next_steps", "cases_session.notes ", "cases_session"]:
        with pytest.raises(ImproperlyConfigured) as excinfo:
            crypto.decrypt(token, other)
        message = str(excinfo.value)
        assert "DIEMTUA_FIELD_KEYS" in message
        assert token not in message and token.split(".")[2][:10] not in message
        assert "Uyên" not in message


@pytest.mark.parametrize(
    "associated_data",
    [
        b"diemtua:g1",
        b"diemtua:g2",
        b"diemtua:g2:",
        b"",
        CTX.encode(),
        b"diemtua:g2:" + b"x" + CTX.encode(),
    ],
)
def test_g2_token_with_other_associated_data_is_refused(key, associated_data):
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(_sealed(key, b"secret", associated_data, "g2"), CTX)


def test_relabelling_a_g2_token_as_g1_does_not_strip_the_binding(key):
    """g1 reads with its fixed associated data, so a g2 body under "g1." fails: no downgrade."""
    token = crypto.encrypt(VIETNAMESE, CTX)
    relabelled = "g1." + token.split(".", 1)[1]
    for context in [CTX, OTHER_CTX]:
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(relabelled, context)


@pytest.mark.parametrize("bad", ["", None, b"cases_session.notes", 42])
def test_context_is_required(key, bad):
    token = crypto.encrypt("x", CTX)
    error = ValueError if bad == "" else TypeError
    with pytest.raises(error):
        crypto.encrypt("x", bad)
    with pytest.raises(error):
        crypto.decrypt(token, bad)
    with pytest.raises(error):
        crypto.rotate(token, bad)


def test_context_helpers():
    assert crypto.context_for_table("cases_case", "alias") == "cases_case.alias"
    assert crypto.context_for(Session, "notes") == "cases_session.notes"
    assert crypto.context_for(Student, "support_needs") == "students_student.support_needs"
    field = Student._meta.get_field("support_needs")
    assert field.crypto_context() == crypto.context_for(Student, "support_needs")
    with pytest.raises(ValueError):
        crypto.context_for_table("", "notes")
    with pytest.raises(ValueError):
        crypto.context_for(HelpRequest, "content_groups")  # many-to-many: no column


def test_field_without_a_model_refuses_to_encrypt(key):
    with pytest.raises(ImproperlyConfigured, match="model"):
        EncryptedTextField().get_prep_value("bí mật")
    assert EncryptedTextField().get_prep_value("") == ""
    assert EncryptedTextField().get_prep_value(None) is None


def test_padded_body_is_accepted(key):
    token = crypto.encrypt("xin chào", CTX)
    kid, body = token.split(".")[1:]
    padded = f"g2.{kid}.{body}{'=' * (-len(body) % 4)}"
    assert crypto.decrypt(padded, CTX) == "xin chào"


def test_same_plaintext_twice_gives_different_tokens(key):
    tokens = {crypto.encrypt(VIETNAMESE, CTX) for _ in range(50)}
    assert len(tokens) == 50
    nonces = {_body(token)[:12] for token in tokens}
    assert len(nonces) == 50


@pytest.mark.parametrize("position", [0, 5, 11, 12, 20, -1])
def test_flipped_byte_is_refused(key, position):
    token = crypto.encrypt(VIETNAMESE, CTX)
    data = bytearray(_body(token))
    data[position] ^= 0x01
    tampered = _token(token.split(".")[1], bytes(data))
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(tampered, CTX)
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message
    assert tampered not in message and "Uyên" not in message


def test_truncated_or_malformed_tokens_are_refused(key):
    token = crypto.encrypt(VIETNAMESE, CTX)
    kid = token.split(".")[1]
    for bad in [token[:-4], f"g2.{kid}.", "g2.", token + ".x", "g2.abc!.%%%", f"g1.{kid}."]:
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(bad, CTX)


def test_g1_tokens_are_still_read_whatever_the_context(key):
    """g1 (before column binding): fixed associated data b"diemtua:g1", context not used."""
    token = _sealed(key, VIETNAMESE.encode("utf-8"), b"diemtua:g1", "g1")
    assert crypto.decrypt(token, CTX) == VIETNAMESE
    assert crypto.decrypt(token, OTHER_CTX) == VIETNAMESE
    # A g1 token with any other associated data is refused.
    for associated_data in [b"diemtua:g2", b"diemtua:g2:" + CTX.encode(), b""]:
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(_sealed(key, b"secret", associated_data, "g1"), CTX)


def test_unknown_key_id_is_refused_without_leaking(settings):
    settings.DIEMTUA_FIELD_KEYS = [_new_key()]
    token = crypto.encrypt(VIETNAMESE, CTX)
    settings.DIEMTUA_FIELD_KEYS = [_new_key()]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(token, CTX)
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message
    assert token not in message and token.split(".")[2][:10] not in message
    assert "Uyên" not in message


def test_key_id_spoofed_onto_another_keys_token_is_refused(settings):
    first, second = _new_key(), _new_key()
    settings.DIEMTUA_FIELD_KEYS = [first]
    token = crypto.encrypt(VIETNAMESE, CTX)
    settings.DIEMTUA_FIELD_KEYS = [second, first]
    spoofed = _token(_expected_id(second), _body(token))
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(spoofed, CTX)


def test_rotation_old_values_stay_readable_and_rotate_to_the_new_key(settings):
    old, new = _new_key(), _new_key()
    settings.DIEMTUA_FIELD_KEYS = [old]
    token = crypto.encrypt(VIETNAMESE, CTX)
    assert token.split(".")[1] == _expected_id(old)

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    assert crypto.decrypt(token, CTX) == VIETNAMESE
    assert crypto.encrypt("x", CTX).split(".")[1] == _expected_id(new)
    rotated = crypto.rotate(token, CTX)
    assert TOKEN_RE.match(rotated).group(1) == _expected_id(new) != _expected_id(old)

    settings.DIEMTUA_FIELD_KEYS = [new]
    assert crypto.decrypt(rotated, CTX) == VIETNAMESE
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(rotated, OTHER_CTX)
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token, CTX)


def test_g1_tokens_rotate_to_g2_bound_to_the_context(settings):
    old, new = _new_key(), _new_key()
    g1 = _sealed(old, VIETNAMESE.encode("utf-8"), b"diemtua:g1", "g1")
    settings.DIEMTUA_FIELD_KEYS = [new, old]
    rotated = crypto.rotate(g1, CTX)
    assert TOKEN_RE.match(rotated).group(1) == _expected_id(new)
    settings.DIEMTUA_FIELD_KEYS = [new]
    assert crypto.decrypt(rotated, CTX) == VIETNAMESE
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(rotated, OTHER_CTX)

    # Under the same first key, a g1 token is rewritten as g2 as well.
    settings.DIEMTUA_FIELD_KEYS = [old]
    assert crypto.rotate(g1, CTX).startswith(f"g2.{_expected_id(old)}.")


def test_rotate_moves_a_value_to_a_renamed_column(key):
    token = crypto.encrypt(VIETNAMESE, "cases_session.notes")
    moved = crypto.rotate(token, "cases_session.ghi_chep", from_context="cases_session.notes")
    assert crypto.decrypt(moved, "cases_session.ghi_chep") == VIETNAMESE
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(moved, "cases_session.notes")


def test_legacy_fernet_tokens_are_read_and_rotated_to_g2(settings):
    old, new = _new_key(), _new_key()
    legacy = Fernet(old.encode()).encrypt(VIETNAMESE.encode("utf-8")).decode()
    settings.DIEMTUA_FIELD_KEYS = [old]
    assert crypto.decrypt(legacy, CTX) == VIETNAMESE

    settings.DIEMTUA_FIELD_KEYS = [new, old]
    assert crypto.decrypt(legacy, CTX) == VIETNAMESE
    rotated = crypto.rotate(legacy, CTX)
    assert TOKEN_RE.match(rotated).group(1) == _expected_id(new)
    settings.DIEMTUA_FIELD_KEYS = [new]
    assert crypto.decrypt(rotated, CTX) == VIETNAMESE

    # A legacy token under the first key is rewritten as g2 as well.
    settings.DIEMTUA_FIELD_KEYS = [old]
    assert crypto.rotate(legacy, CTX).startswith(f"g2.{_expected_id(old)}.")


def test_tampered_legacy_token_is_refused_without_leaking(key):
    legacy = Fernet(key.encode()).encrypt(b"bi mat").decode()
    tampered = legacy[:-6] + ("A" if legacy[-6] != "A" else "B") + legacy[-5:]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.decrypt(tampered, CTX)
    assert tampered not in str(excinfo.value)
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt("không phải token", CTX)


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
        crypto.encrypt("x", CTX)
    message = str(excinfo.value)
    assert "DIEMTUA_FIELD_KEYS" in message and "entry 2 of 2" in message
    assert "32" in message
    assert bad not in message and bad[:8] not in message


def test_empty_key_list_is_refused(settings):
    settings.DIEMTUA_FIELD_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="DIEMTUA_FIELD_KEYS"):
        crypto.encrypt("x", CTX)


def test_development_key_is_still_a_valid_key(settings):
    settings.DIEMTUA_FIELD_KEYS = [settings.DEV_FIELD_KEY]
    assert crypto.decrypt(crypto.encrypt(VIETNAMESE, CTX), CTX) == VIETNAMESE
