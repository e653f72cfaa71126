"""Text as Terraform stores it, and the characters no text ssops-ci handles may carry.

Those characters make text render differently from what it says: C0 and C1 controls (a raw carriage
return starts a line of its own in a comment or terminal) and the bidirectional overrides, isolates and
marks of "Trojan Source" (CVE-2021-42574). Tab and line feed are ordinary text. Input refuses them
(`unsafe_character`); output shows them as U+FFFD (`visible`).
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unsafe_character(text: str) -> str | None:
    """The first character no text field may hold, described for a person ("U+202E (right-to-left override)")."""
    m = _UNSAFE.search(text)
    if m is None:
        return None
    ch = m.group()
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').lower()})"


def visible(text: str) -> str:
    """`text` with every such character replaced by U+FFFD (CRLF line ends kept as line feeds)."""
    return _UNSAFE.sub("\ufffd", text.replace("\r\n", "\n"))


def nfc(text: str) -> str:
    """HCL stores string literals NFC-normalised; we normalise first so what we show is what it keeps."""
    return unicodedata.normalize("NFC", text)
