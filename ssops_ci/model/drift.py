"""What `ssops-ci drift` found: stacks whose applied state no longer matches what the default branch renders."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ssops_ci.model.change import ResourceChange


class StackDrift(BaseModel):
    stack: str
    changes: list[ResourceChange] = Field(default_factory=list)
    note: str = ""


class DriftReport(BaseModel):
    sha: str
    engine: str
    checked: int = 0
    drifted: list[StackDrift] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    @property
    def code(self) -> int:
        """1 when a stack drifted or could not be checked (findings, as everywhere); 2 is kept for usage errors."""
        return 1 if self.drifted or self.errors else 0

    def markdown(self) -> str:
        lines = [f"ssops-ci checked {self.checked} stack(s) at `{self.sha[:12]}` with the {self.engine} engine.", ""]
        for d in self.drifted:
            lines.append(f"- **{d.stack}**: {d.note or f'{len(d.changes)} resource(s) differ'}")
            lines.extend(
                f"  - {c.action} `{c.address}` ({', '.join(sorted(c.diff)) or 'whole resource'})"
                for c in d.changes[:20]
            )
        lines.extend(f"- could not check: {e}" for e in self.errors)
        if not self.drifted and not self.errors:
            lines.append("No drift.")
        return "\n".join(lines) + "\n"
