"""What an apply did, per stack and for the commit."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ApplyState = Literal["applied", "already-applied", "superseded", "failed", "refused"]


class StackOutcome(BaseModel):
    stack: str
    action: Literal["apply", "destroy"]
    state: ApplyState
    message: str = ""
    error_tail: str | None = None
    seconds: float = 0.0
    retried_after: str | None = None  # the state a previous run left it in, when it is retried


class ApplyRun(BaseModel):
    sha: str
    pr: int | None = None
    engine: str
    stacks: list[StackOutcome] = Field(default_factory=list)
    refused: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what could not be posted back (never fails the apply)

    def count(self, *states: ApplyState) -> int:
        return sum(1 for s in self.stacks if s.state in states)

    @property
    def ok(self) -> bool:
        if self.refused or self.count("failed"):
            return False
        # "0 stacks applied" when stacks were expected is a failure, never a success.
        return not self.stacks or bool(self.count("applied", "already-applied", "superseded"))

    def summary(self) -> str:
        if self.refused:
            more = f" (and {len(self.refused) - 1} more)" if len(self.refused) > 1 else ""
            return f"refused: {self.refused[0]}{more}"
        if not self.stacks:
            return "no stack changed in this commit"
        earlier, newer, failed = self.count("already-applied"), self.count("superseded"), self.count("failed")
        text = f"{self.count('applied', 'already-applied')} of {len(self.stacks)} stack(s) applied"
        text += f" ({earlier} by an earlier run)" if earlier else ""
        text += f"; {newer} already live at a newer commit" if newer else ""
        return text + (f"; {failed} failed" if failed else "")
