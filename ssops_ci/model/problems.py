"""Problems found in user input, reported as `path:line:col: message`."""

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
    """One or more problems in a file a user or the platform team wrote.

    Raised instead of letting a traceback reach the user: the CLI prints each
    problem on its own line and exits 1.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SsopsError(Exception):
    """An operational failure with a message that says what to do (bad ref, missing binary...)."""
