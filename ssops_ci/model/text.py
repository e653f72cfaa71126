"""Text as Terraform stores it."""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    """HCL stores string literals NFC-normalised; we normalise first so what we show is what it keeps."""
    return unicodedata.normalize("NFC", text)
