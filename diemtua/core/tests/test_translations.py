import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parents[3] / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext is not installed")
def test_english_catalog_is_complete():
    """Every Vietnamese string has an English translation, none left fuzzy (Django skips those)."""
    result = subprocess.run(  # noqa: S603
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_compiled_catalog_is_used():
    with translation.override("en"):
        assert translation.gettext("Trường của tôi") == "My school"
        assert translation.gettext("Không khuyết tật") == "No disability"
    with translation.override("vi"):
        assert translation.gettext("Trường của tôi") == "Trường của tôi"
