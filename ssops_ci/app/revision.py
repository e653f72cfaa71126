"""One side of a comparison: a revision's tree, what it declares, and reading its requests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ssops_ci.config import setup
from ssops_ci.config.setup import Setup
from ssops_ci.model.layout import REQUESTS, is_request_file
from ssops_ci.model.plan import Side
from ssops_ci.model.problems import InputError
from ssops_ci.model.stack import Stack
from ssops_ci.ports import Tree
from ssops_ci.stages import validate
from ssops_ci.stages.render import Renderer
from ssops_ci.stages.rendered import compare


@dataclass
class Revision:
    """A revision's tree and, when its catalog, teams and platform are valid, what it takes to render there."""

    tree: Tree
    setup: Setup | None
    error: str | None = None
    # Which providers its stacks may require; None: its own platform.yaml's list.
    allowed_providers: list[str] | None = None
    _renderer: Renderer | None = field(default=None, repr=False)

    @property
    def renderer(self) -> Renderer:
        assert self.setup is not None
        if self._renderer is None:
            self._renderer = Renderer(self.setup.catalog, self.setup.platform, self.allowed_providers)
        return self._renderer


@dataclass
class MergedRequests:
    """The requests as the default branch will hold them once the PR merges: the current base's files,
    with the request files the PR adds, changes or deletes taken from its head. Quotas, budgets and name
    collisions are judged here, so two PRs that each fit cannot together exceed a limit (the gate checks
    the base did not move before merging)."""

    base: Tree
    head: Tree
    changed: frozenset[str]  # request paths the PR touches (both sides of a rename)
    label: str = "base + pull request"

    def read(self, path: str) -> bytes | None:
        return (self.head if path in self.changed else self.base).read(path)

    def digest(self, path: str) -> str | None:
        return (self.head if path in self.changed else self.base).digest(path)

    def files(self, prefix: str) -> Iterator[str]:
        kept = {p for p in self.base.files(prefix) if p not in self.changed}
        added = {p for p in self.changed if p.startswith(prefix.rstrip("/") + "/") and exists(self.head, p)}
        return iter(sorted(kept | added))


def load_revision(tree: Tree, allowed_providers: list[str] | None = None) -> Revision:
    try:
        return Revision(tree, setup.load(tree), allowed_providers=allowed_providers)
    except InputError as e:
        return Revision(tree, None, str(e))


def request_files(tree: Tree, paths: list[str] | None = None) -> list[tuple[str, bytes | InputError | None]]:
    """(path, bytes) of the named request files, or of every file under requests/ (stray ones included);
    a file that cannot be read (a link) comes with the InputError saying why."""
    chosen = paths if paths is not None else [p for p in tree.files(REQUESTS) if is_request_file(p)]
    return [(p, _read(tree, p)) for p in chosen]


def _read(tree: Tree, path: str) -> bytes | InputError | None:
    try:
        return tree.read(path)
    except InputError as e:
        return e


def team_files(tree: Tree, team: str) -> list[tuple[str, bytes | InputError | None]]:
    return request_files(tree, list(tree.files(f"{REQUESTS}/{team}")))


def exists(tree: Tree, path: str) -> bool:
    try:
        return tree.read(path) is not None
    except InputError:
        return True  # there, but refused (a link): reading it again says why


def first_existing(tree: Tree, candidates: list[str | None]) -> str | None:
    return next((c for c in candidates if c and exists(tree, c)), None)


def side(rev: Revision, path: str | None, label: str) -> Side:
    """The request at `path` in this revision, validated and rendered by the revision's own catalog."""
    if path is None:
        return Side()
    if rev.setup is None:
        return Side(error=f"the {label} revision's catalog or policies are invalid:\n{rev.error}")
    try:
        data = rev.tree.read(path) or b""
        req = validate.parse(path, data, rev.setup.catalog, rev.setup.teams)
        return Side(request=req, stack=rev.renderer.render(req))
    except InputError as e:
        return Side(error=str(e))


def rendered_drift(tree: Tree, stack_id: str, stack: Stack | None) -> list[str]:
    """Files under rendered/<stack>/ that are not exactly what rendering gives."""
    actual: dict[str, bytes] = {}
    refused: list[str] = []
    for p in tree.files(f"rendered/{stack_id}"):
        found = _read(tree, p)
        if isinstance(found, InputError):
            refused += [str(problem) for problem in found.problems]
        else:
            actual[p] = found or b""
    return refused + [str(m) for m in compare(actual, [stack] if stack else [], only={stack_id})]
