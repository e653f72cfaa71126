"""The second value of the pipeline: one request's Terraform, and what the catalog says of its resources."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class NameRule(BaseModel):
    """What the cloud API accepts for one name attribute of a resource type, and where AWS says so."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_length: int = Field(ge=1)
    min_length: int = Field(default=1, ge=1)
    pattern: str | None = None  # a full-match regular expression
    rule: str  # the pattern in words, for the developer who has to pick another name
    source: str = Field(pattern=r"^https://docs\.aws\.amazon\.com/")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise ValueError(f"not a regular expression: {e}") from None
        return value


class ResourceType(BaseModel):
    """What a template declares about a resource type: which changes replace it, whether it holds data,
    and the API limits of the names it carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    force_new: list[str] = Field(default_factory=list)
    holds_data: bool = False
    sensitive: list[str] = Field(default_factory=list)
    names: dict[str, NameRule] = Field(default_factory=dict)
    # Where the resource names the KMS key that encrypts its data ("/" between nested blocks): the org's
    # customer-managed-key check (policies/checkov/checks) reads this, not a table of its own.
    encryption_key: str | None = Field(default=None, pattern=r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


class Resource(BaseModel):
    model_config = ConfigDict(frozen=True)
    address: str
    type: str
    mode: str  # managed | data | module
    file: str
    line: int
    attrs: dict[str, Any]


class Stack(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    request: str
    kind: str
    template_version: str
    team: str
    environment: str
    dir: str
    files: dict[str, str]  # file name -> full text, header included
    resources: list[Resource]
    locals: dict[str, Any] = {}

    def paths(self) -> dict[str, str]:
        return {f"{self.dir}/{name}": text for name, text in self.files.items()}

    @property
    def managed(self) -> list[Resource]:
        return [r for r in self.resources if r.mode == "managed"]


class StackJob(BaseModel):
    """What an engine plans or applies: a stack's rendering before and after."""

    model_config = ConfigDict(frozen=True)
    id: str
    before: Stack | None  # None: the stack does not exist yet
    after: Stack | None  # None: the stack is being destroyed
    resource_types: dict[str, ResourceType] = Field(default_factory=dict)

    @property
    def destroy(self) -> bool:
        return self.after is None


MismatchState = Literal["missing", "stale", "hand-edited", "unexpected", "orphaned"]
_ADVICE: dict[str, str] = {
    "missing": "not rendered yet",
    "stale": "out of date with its request or template",
    "hand-edited": "edited by hand (its checksum no longer matches)",
    "unexpected": "not produced by the template",
    "orphaned": "its request is gone",
}


class Mismatch(BaseModel):
    """A file under rendered/ that is not what rendering gives."""

    model_config = ConfigDict(frozen=True)
    path: str
    state: MismatchState
    stack: str

    def __str__(self) -> str:
        return f"{self.path}: {self.state}: {_ADVICE[self.state]}"

    def __lt__(self, other: Mismatch) -> bool:
        return (self.path, self.state, self.stack) < (other.path, other.state, other.stack)
