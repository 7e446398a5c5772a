import unicodedata

import pytest

from fonderie.steps.formatters.unicode_repair import UnicodeRepairFormatter


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("L'Ã©tÃ© Ã  Paris", "L'été à Paris"),  # UTF-8 read as Latin-1
        ("cafe\u0301 cre\u0300me", "café crème"),  # combining accents -> NFC
        ("a\x00b\x07c\x1bd\x7fe\x81f", "abcdef"),  # C0, DEL and C1 controls
        ("trois points\x85", "trois points…"),  # ftfy reads a lone C1 byte as the Windows-1252 it was
        ("ligne 1\r\nligne 2\rligne 3", "ligne 1\nligne 2\nligne 3"),
        ("col1\tcol2\npage 1\fpage 2", "col1\tcol2\npage 1\fpage 2"),  # tabs, newlines, form feeds kept
        ("« Déjà vu » — ﬁn", "« Déjà vu » — ﬁn"),  # quotes, dashes and ligatures as written
    ],
)
def test_repairs(raw, clean):
    assert UnicodeRepairFormatter().format(raw) == clean


def test_output_is_nfc_and_counts_changes():
    f = UnicodeRepairFormatter()
    out = f.format("Ame\u0301lie\x00")
    assert out == unicodedata.normalize("NFC", out) == "Amélie"
    f.format("déjà propre")
    assert f.stats["docs_changed"].total == 1 and f.stats["chars_removed"].total == 2
