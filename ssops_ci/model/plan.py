"""What a change touches, and each stack's two sides, between detection and the engine."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ssops_ci.model.report import StackReport
from ssops_ci.model.request import Request
from ssops_ci.model.stack import Stack, StackJob


class PathChange(BaseModel):
    """One entry of a diff between two revisions (git's A, D, M, R, T...)."""

    model_config = ConfigDict(frozen=True)
    status: str
    a_path: str | None
    b_path: str | None


class Touched(BaseModel):
    """One stack a change reaches, and why."""

    model_config = ConfigDict(frozen=True)
    id: str
    reasons: frozenset[str] = frozenset()
    head_path: str | None = None  # the request file at head, if it exists there
    base_path: str | None = None  # the request file at the merge base, if it existed
    renamed_from: str | None = None
    rendered_paths: frozenset[str] = frozenset()


class Affected(BaseModel):
    model_config = ConfigDict(frozen=True)
    base: str
    head: str
    merge_base: str
    governance_paths: list[str] = Field(default_factory=list)
    template_paths: list[str] = Field(default_factory=list)  # changed files under templates/
    touched: dict[str, Touched] = Field(default_factory=dict)


class Side(BaseModel):
    """One revision's view of a stack: its request and rendering, or why there is none."""

    model_config = ConfigDict(frozen=True)
    request: Request | None = None
    stack: Stack | None = None
    error: str | None = None


class Prepared(BaseModel):
    """A stack ready for the engine: everything that needs a revision's files is done."""

    model_config = ConfigDict(frozen=True)
    report: StackReport
    job: StackJob | None
    before: Side = Field(default_factory=Side)
    after: Side = Field(default_factory=Side)
