"""A validated request: the first value of the pipeline."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from ssops_ci.model.layout import rendered_dir

NAME_RE = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
NAME_MIN, NAME_MAX = 2, 40
NAME_RULE = f"lowercase letters, digits and single dashes ({NAME_MIN}-{NAME_MAX} chars)"
Name = Annotated[str, StringConstraints(pattern=NAME_RE, min_length=NAME_MIN, max_length=NAME_MAX)]
_NAME = re.compile(NAME_RE)


def valid_name(value: str) -> bool:
    """The rule for request names and team folders, for checks made before a model exists (paths, flags)."""
    return bool(_NAME.fullmatch(value)) and NAME_MIN <= len(value) <= NAME_MAX


class Request(BaseModel):
    model_config = ConfigDict(frozen=True)
    path: str
    kind: str
    name: str
    team: str
    environment: str
    cost_center: str
    description: str
    spec: dict[str, Any]
    waivers: list[Any]
    positions: dict[str, tuple[int, int]] = {}  # dotted field -> (line, col), for findings on the request

    @property
    def stack_id(self) -> str:
        return f"{self.team}/{self.name}"

    @property
    def rendered_dir(self) -> str:
        return rendered_dir(self.stack_id)

    def position(self, field: str) -> tuple[int, int]:
        """Where `field` (dotted, e.g. spec.size) is in the file, or its closest parent."""
        while field:
            if field in self.positions:
                return self.positions[field]
            field = field.rpartition(".")[0]
        return (1, 1)

    @property
    def usage(self) -> dict[str, Any] | None:
        """The request's own usage figures for the cost estimate (`spec.usage`)."""
        usage = self.spec.get("usage")
        return usage if isinstance(usage, dict) else None
