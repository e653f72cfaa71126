"""The fourth stage: one finding model for guardrails, checkov, waivers and the pipeline itself."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["critical", "high", "medium", "low", "info"]
Source = Literal[
    "guardrail", "checkov", "waiver", "validation", "drift", "plan", "policy", "budget", "catalog", "platform"
]
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)
    source: Source
    check_id: str
    severity: Severity
    stack: str
    resource: str | None = None
    file: str | None = None
    line: int | None = None
    message: str
    remediation: str
    link: str | None = None
    blocking: bool
    waived: bool = False
    waiver_reason: str | None = None

    def waive(self, reason: str) -> Finding:
        return self.model_copy(update={"blocking": False, "waived": True, "waiver_reason": reason})


def sort_key(f: Finding) -> tuple[int, int, str, str, str]:
    return (not f.blocking, -SEVERITY_RANK[f.severity], f.check_id, f.resource or "", f.file or "")


class ScanResult(BaseModel):
    """What a security scanner found over a set of stacks."""

    findings: dict[str, list[Finding]] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)  # stack id -> why it could not be scanned
    passed: int = 0
    passed_by_stack: dict[str, int] = Field(default_factory=dict)
