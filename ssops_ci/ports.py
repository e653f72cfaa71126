"""Plan engines: from a stack's rendering before and after, the resource changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ssops_ci.config.catalog import ResourceType
from ssops_ci.model.change import ResourceChange
from ssops_ci.stages.render import Stack


class PlanError(Exception):
    """A stack could not be planned; the message says why and what to do."""


@dataclass(frozen=True)
class StackJob:
    id: str
    before: Stack | None  # None: the stack does not exist yet
    after: Stack | None  # None: the stack is being destroyed
    resource_types: dict[str, ResourceType] = field(default_factory=dict)

    @property
    def destroy(self) -> bool:
        return self.after is None


class PlanEngine(Protocol):
    name: str

    def plan(self, job: StackJob) -> list[ResourceChange]:
        """Every managed resource of the stack with its action; raise PlanError when that is not knowable."""


class ApplyEngine(Protocol):
    name: str

    def apply(self, job: StackJob, sha: str) -> str:
        """Make the stack what `job.after` says (destroy it when None); a one-line summary. PlanError on failure."""
