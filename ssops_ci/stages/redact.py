"""Secrets never reach a comment: detect-secrets' detectors plus shapes they miss, applied to any text.

detect-secrets (the detector checkov ships) knows AWS, GitHub, Slack, Stripe, private keys, JWTs, basic
auth in URLs and `password = ...` style keywords. Its entropy detectors are left out: every commit SHA
in a comment would be redacted. Our own patterns cover what it misses in practice: a token glued to
punctuation or a word, `aws_secret_access_key=...` and its kin, a private key whose END line was cut off.
"""

from __future__ import annotations

import functools
import re

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.keyword import REGEX_BY_FILETYPE, KeywordDetector
from detect_secrets.util.filetype import FileType

REDACTED = "(redacted)"
# Each detector's own matcher: no settings, no filters and never the network ("verification").
_DETECTORS = [
    cls()
    for cls in get_mapping_from_secret_type_to_class().values()
    if "Entropy" not in cls.__name__ and cls is not KeywordDetector
]
_KEYWORDS = KeywordDetector()
_QUOTED = REGEX_BY_FILETYPE[FileType.PYTHON]  # `password = "..."` with quotes: unquoted ones are ours
_EDGE = r"(?<![A-Za-z0-9])"  # not \b: "x_ghp_..." and "token:ghp_..." must match too
_KEYWORD = (
    r"(?:aws_secret_access_key|aws_session_token|secret_access_key|client_secret|api_?key|access_?token"
    r"|auth_?token|password|passwd|secret|private_key)"
)
_PATTERNS = [
    re.compile(_EDGE + r"(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}(?![0-9A-Z])"),
    re.compile(_EDGE + r"gh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(_EDGE + r"github_pat_[A-Za-z0-9_]{20,}"),
    re.compile(_EDGE + r"xox[baprse]-[A-Za-z0-9-]{10,}"),
    re.compile(_EDGE + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    re.compile(_EDGE + r"glpat-[A-Za-z0-9_-]{20,}"),
    re.compile(_EDGE + r"AIza[0-9A-Za-z_-]{35}"),
    re.compile(_EDGE + r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # a key's body up to its END line, or to the end of the text when the END line is missing
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*-----|\Z)", re.S),
    # key = value, key: value, "key": "value" (the value, whatever it is, up to a quote, space or separator)
    re.compile(rf"(?i)((?<![A-Za-z0-9:/.]){_KEYWORD}[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&<>()]{{6,}})"),
    re.compile(r"(?i)(\bAuthorization:\s*(?:Bearer|token|Basic)\s+)([A-Za-z0-9._~+/=-]{8,})"),
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)([^\s/@]{3,})(?=@)"),
]


def _by_patterns(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.re.groups else "") + REDACTED, text)
    return text


@functools.lru_cache(maxsize=4096)
def _found_by_detector(line: str) -> tuple[str, ...]:
    values = {v for d in _DETECTORS for v in d.analyze_string(line)}
    values |= set(_KEYWORDS.analyze_string(line, denylist_regex_to_group=_QUOTED))
    # detect-secrets reports only a prefix for some token kinds; our patterns take whole tokens
    return tuple(sorted((v for v in values if len(v) >= 6), key=len, reverse=True))


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every credential-shaped part, and each of `secrets`, replaced by "(redacted)"."""
    for secret in secrets:
        if len(secret) >= 8:
            text = text.replace(secret, REDACTED)
    text = _by_patterns(text)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if len(line) < 6 or line == REDACTED:
            continue
        for value in _found_by_detector(line[:4096]):
            line = line.replace(value, REDACTED)
        lines[i] = line
    return "\n".join(lines)
