"""Waivers: `metadata.waivers: [{check, reason, expires}]` on a request.

A valid, unexpired waiver makes its finding non-blocking and sends the stack to
the platform team; an expired or malformed waiver is a finding of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ssops_ci.config.files import describe
from ssops_ci.config.guardrails import WaiverPolicy
from ssops_ci.model.finding import Finding
from ssops_ci.model.request import Request


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    check: str = Field(pattern=r"^[A-Za-z0-9_.*-]{3,120}$")
    reason: str = Field(min_length=15, max_length=500)
    expires: dt.date


@dataclass
class Outcome:
    findings: list[Finding]
    used: list[Waiver] = field(default_factory=list)

    @property
    def needs_platform_approval(self) -> bool:
        return bool(self.used)


def _finding(req: Request, stack: str, index: int, check_id: str, message: str, fix: str, blocking: bool) -> Finding:
    return Finding(
        source="waiver",
        check_id=check_id,
        severity="high" if blocking else "info",
        stack=stack,
        file=req.path,
        line=req.position(f"metadata.waivers.{index}")[0],
        message=message,
        remediation=fix,
        blocking=blocking,
    )


def _refusal(req: Request, stack: str, i: int, raw: object, policy: WaiverPolicy, today: dt.date) -> Finding | Waiver:
    """The waiver at index `i`, or the blocking finding that says why it cannot be used."""
    try:
        w = Waiver.model_validate(raw)
    except ValidationError as e:
        detail = "; ".join(describe(err) for err in e.errors(include_url=False))
        fix = "a waiver is {check: CHECK_ID, reason: why (15+ characters), expires: YYYY-MM-DD}"
        return _finding(req, stack, i, "waiver.invalid", f"waiver #{i + 1} is malformed: {detail}", fix, True)
    if w.expires < today:
        fix = "fix the finding, or renew the waiver with a new date and the platform team's approval"
        return _finding(req, stack, i, "waiver.expired", f"the waiver for {w.check} expired on {w.expires}", fix, True)
    days = (w.expires - today).days
    if days > policy.max_days:
        message = f"the waiver for {w.check} runs {days} days; the limit is {policy.max_days}"
        fix = f"set expires to {today + dt.timedelta(days=policy.max_days)} or earlier"
        return _finding(req, stack, i, "waiver.invalid", message, fix, True)
    if not policy.waivable(w.check):
        fix = "fix the finding itself; this check has no exceptions"
        return _finding(req, stack, i, "waiver.invalid", f"{w.check} cannot be waived", fix, True)
    return w


def apply(req: Request, stack: str, findings: list[Finding], policy: WaiverPolicy, today: dt.date) -> Outcome:
    valid: dict[str, tuple[int, Waiver]] = {}
    extra: list[Finding] = []
    for i, raw in enumerate(req.waivers):
        checked = _refusal(req, stack, i, raw, policy, today)
        if isinstance(checked, Finding):
            extra.append(checked)
        else:
            valid[checked.check] = (i, checked)
    out: list[Finding] = []
    used: dict[str, Waiver] = {}
    for f in findings:
        hit = valid.get(f.check_id)
        if hit and (f.blocking or f.severity != "info"):
            out.append(f.waive(hit[1].reason))
            used[f.check_id] = hit[1]
        else:
            out.append(f)
    for check, (i, _) in valid.items():
        if check not in used:
            message = f"nothing fails {check} any more, so its waiver is unused"
            extra.append(_finding(req, stack, i, "waiver.unused", message, "remove the waiver", False))
    return Outcome(out + extra, list(used.values()))
