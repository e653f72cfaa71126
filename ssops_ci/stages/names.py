"""Every name a stack gives a cloud resource, checked against what that resource type's API accepts.

The limits are declared per resource type in the template's `template.yaml` (`resources.<type>.names`),
each with the AWS page that states it. Names are derived from the request (`local.name` is
prefix-team-name-environment), so a name that is too long or malformed is the request's problem and
points at `metadata.name`; a name the check cannot work out is the template's problem.
"""

from __future__ import annotations

import re
from typing import Any

from ssops_ci.model.problems import Problem
from ssops_ci.model.request import Request
from ssops_ci.model.stack import NameRule, ResourceType, Stack

_INTERPOLATED = re.compile(r"\$\{local\.([A-Za-z_][A-Za-z0-9_]*)\}")
_FORMAT = re.compile(r'^\$\{format\("((?:[^"\\%]|%%)*%s(?:[^"\\%]|%%)*)",\s*local\.([A-Za-z_][A-Za-z0-9_]*)\)\}$')


def evaluate(value: Any, locals_: dict[str, Any]) -> str | None:
    """The name a literal, `local.x`, `"...${local.x}..."` or `format("..%s..", local.x)` gives; else None."""
    if not isinstance(value, str):
        return None
    if m := _FORMAT.match(value):
        found = locals_.get(m.group(2))
        return m.group(1).replace("%s", str(found), 1).replace("%%", "%") if isinstance(found, str) else None
    if "${" not in value:
        return value
    out = _INTERPOLATED.sub(lambda m: str(locals_.get(m.group(1), "${?}")), value)
    return None if "${" in out else out


def _broken(name: str, rule: NameRule) -> str | None:
    if len(name) > rule.max_length:
        over = len(name) - rule.max_length
        return f"({len(name)} characters) but AWS allows {rule.max_length}; shorten the name by {over}"
    if len(name) < rule.min_length:
        return f"({len(name)} characters) but AWS needs at least {rule.min_length}"
    if rule.pattern and not re.fullmatch(rule.pattern, name):
        return f"but AWS accepts only {rule.rule}"
    return None


def problems(req: Request, stack: Stack, types: dict[str, ResourceType]) -> tuple[list[Problem], list[str]]:
    """(the request's problems at metadata.name, the template's names that cannot be worked out)."""
    line, col = req.position("metadata.name")
    out: list[Problem] = []
    unknown: list[str] = []
    for r in stack.managed:
        declared = types.get(r.type)
        for attr, rule in (declared.names if declared else {}).items():
            if attr not in r.attrs:
                continue
            name = evaluate(r.attrs[attr], stack.locals)
            if name is None:
                unknown.append(f"{r.address}.{attr} = {r.attrs[attr]!r}")
            elif why := _broken(name, rule):
                message = f"metadata.name: {r.address} would get the {attr} '{name}' {why} (see {rule.source})"
                out.append(Problem(req.path, line, col, message))
    return out, unknown
