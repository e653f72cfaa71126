"""What goes wrong, as values: a problem in a file someone wrote, or an operation that failed.

Every error a user can cause ends here, so the CLI can print it as `path:line:col: message`
(or one `error:` line) and exit 1; anything else that escapes is a bug (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class InputError(Exception):
    """One or more problems in a file a user or the platform team wrote."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SsopsError(Exception):
    """An operational failure with a message that says what to do (bad ref, missing binary...)."""


class PlanError(Exception):
    """A stack could not be planned or applied; the message says why and what to do."""


class PlatformFault(PlanError):
    """A stack could not be planned or applied for a reason the platform team owns (cloud credentials,
    the state backend, provider installation, a broken template): never the request author's to fix."""

    def __init__(self, message: str, setting: str) -> None:
        self.setting = setting
        super().__init__(message)


class ForgeError(SsopsError):
    """The forge could not be reached or refused an operation; nothing was merged."""


class LockTimeout(SsopsError):
    """A stack's lock was held by another run for longer than we would wait."""
