from __future__ import annotations

import re

from datatrove.pipeline.formatters.ftfy import FTFYFormatter

# C0 and C1 control characters, but tab, newline and form feed (a page break, which PageFurnitureFormatter reads
# and removes), plus DEL. Carriage returns are turned into newlines before this runs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_CRLF = re.compile(r"\r\n?")


class UnicodeRepairFormatter(FTFYFormatter):
    """Repairs mojibake with ftfy (datatrove's formatter), normalizes to NFC and removes control characters.

    ftfy undoes text decoded with the wrong codec (`Ã©tÃ©` -> `été`), HTML entities left in plain text and
    terminal escapes; NFC makes `e` + combining acute and `é` the same string (dedup and tokenizers need that).
    Curly quotes, ligatures and full-width characters are left as written: models should see them.
    Input: documents.
    Output: the same documents, text repaired; `\\r\\n` and `\\r` line ends become `\\n`; tabs, newlines and form
        feeds are kept (form feeds are page breaks for PageFurnitureFormatter).
    Drops: none.
    Metadata added: none. Counts `docs_changed` and `chars_removed` in its stats.
    """

    name = "🔧 Unicode repair"

    def __init__(self):
        super().__init__(normalization="NFC")

    def format(self, text: str) -> str:
        fixed = _CONTROL.sub("", super().format(_CRLF.sub("\n", text)))
        if fixed != text:
            self.stat_update("docs_changed")
            if (removed := len(text) - len(fixed)) > 0:
                self.stat_update("chars_removed", value=removed)
        return fixed
