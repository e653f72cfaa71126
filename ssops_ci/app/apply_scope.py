"""Which stacks an apply of a commit must apply, from git and the ledger.

Only a commit on the default branch's first-parent history is applied (a state the branch was in).
The range starts where the last apply run went through, so merges that landed together are all
applied; stacks whose last attempt failed or never finished are tried again at this commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssops_ci.app.scope import prepare, scope
from ssops_ci.config.platform import Platform
from ssops_ci.model.plan import Prepared
from ssops_ci.model.problems import SsopsError
from ssops_ci.ports import Repository, Store
from ssops_ci.stages import ledger


@dataclass
class Targets:
    sha: str
    prepared: list[Prepared]
    refused: list[str]
    platform: Platform | None
    since: str  # the commit the range starts after

    @property
    def jobs(self) -> list[Prepared]:
        return [] if self.refused else [p for p in self.prepared if p.job is not None]


def check_merged(repository: Repository, branch: str, sha: str) -> None:
    if not repository.on_first_parent(branch, sha):
        raise SsopsError(
            f"{sha[:12]} is not on {branch}'s first-parent history, so it was never merged (a pull request's "
            f"head, or another branch): only what {branch} went through is applied. Pass a merge commit of {branch}."
        )


def _refusals(prepared: list[Prepared], head_error: str | None, sha: str) -> list[str]:
    """Why applying this commit would apply something nobody reviewed."""
    refused = [f"the catalog or policies at {sha[:12]} are invalid:\n{head_error}"] if head_error else []
    for p in prepared:
        refused += [f"{p.report.id}: {d}" for d in p.report.drift]
        if p.report.status == "error":
            refused.append(p.report.error or f"{p.report.id} could not be rendered")
    return refused


def _since(repository: Repository, store: Store, sha: str) -> str:
    parents = repository.parents(sha)
    if not parents:
        raise SsopsError(f"{sha[:12]} is the first commit: there is no previous state to apply against")
    through = (store.get(ledger.META, "through") or {}).get("sha")
    if through and through != sha and repository.is_ancestor(through, sha):
        return str(through)
    return parents[0]


def _retries(repository: Repository, store: Store, sha: str, have: set[str]) -> list[Prepared]:
    """Stacks a failed or interrupted earlier apply left behind, prepared from their last applied state."""
    out = []
    for sid, entry in sorted(ledger.unsettled(store.all(ledger.LEDGER)).items()):
        if sid in have or not repository.is_ancestor(str(entry["sha"]), sha):
            continue
        parents = repository.parents(str(entry["sha"]))
        floor = entry.get("applied_sha") or (parents[0] if parents else None)
        if floor is None:
            continue
        s = scope(repository, str(floor), sha)
        if sid in s.affected.touched:
            out.append(prepare(s.affected.touched[sid], s))
    return out


def targets(repository: Repository, store: Store, branch: str, sha: str) -> Targets:
    check_merged(repository, branch, sha)
    since = _since(repository, store, sha)
    s = scope(repository, since, sha)
    prepared = [prepare(s.affected.touched[t], s) for t in sorted(s.affected.touched)]
    prepared += _retries(repository, store, sha, {p.report.id for p in prepared})
    head_error = None if s.head.setup else (s.head.error or "invalid")
    platform = s.head.setup.platform if s.head.setup else None
    prepared.sort(key=lambda p: p.report.id)
    return Targets(sha, prepared, _refusals(prepared, head_error, sha), platform, since)
