"""Which stacks a change touches, and why, from the git diff between two revisions.

We diff the merge base against head (what the PR changes, not what main did
meanwhile), so the cost follows the size of the diff; only a template change
reaches beyond it, to every request of that kind (found with `git grep`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import git

from ssops_ci.model.problems import SsopsError
from ssops_ci.stages.rendered import ROOT as RENDERED
from ssops_ci.stages.rendered import stack_of
from ssops_ci.stages.validate import ROOT as REQUESTS
from ssops_ci.stages.validate import is_request_path, stack_id_of_path

GOVERNANCE = ("policies/", "templates/", "ssops_ci/", ".github/")


@dataclass
class Touched:
    id: str
    reasons: set[str] = field(default_factory=set)
    head_path: str | None = None  # the request file at head, if it exists there
    base_path: str | None = None  # the request file at the merge base, if it existed
    renamed_from: str | None = None
    rendered_paths: set[str] = field(default_factory=set)


@dataclass
class Affected:
    base: str
    head: str
    merge_base: str
    governance_paths: list[str]
    template_paths: list[str]  # changed files under templates/
    touched: dict[str, Touched]

    def get(self, stack_id: str) -> Touched:
        return self.touched.setdefault(stack_id, Touched(stack_id))


def merge_base(repo: git.Repo, base: git.Commit, head: git.Commit) -> git.Commit:
    found = repo.merge_base(base, head)
    if not found or not isinstance(found[0], git.Commit):
        if Path(repo.git_dir, "shallow").exists():
            raise SsopsError(
                f"no merge base between {base.hexsha[:12]} and {head.hexsha[:12]}: this clone is shallow; "
                "fetch full history (`git fetch --unshallow`, or actions/checkout with fetch-depth: 0)"
            )
        raise SsopsError(f"{base.hexsha[:12]} and {head.hexsha[:12]} share no history; check --base and --head")
    return found[0]


def request_id(path: str) -> str:
    # A file in the wrong place still gets a stack entry, so its error is reported, not dropped.
    return stack_id_of_path(path) or path


def detect(repo: git.Repo, base: git.Commit, head: git.Commit) -> Affected:
    mb = merge_base(repo, base, head)
    out = Affected(base.hexsha, head.hexsha, mb.hexsha, [], [], {})
    governance: set[str] = set()
    for d in mb.diff(head, M=True):
        a, b = d.a_path, d.b_path
        paths = sorted({p for p in (a, b) if p})
        for p in paths:
            if p.startswith(GOVERNANCE):
                governance.add(p)
            if p.startswith("templates/"):
                out.template_paths.append(p)
        kind = d.change_type
        if kind == "R" and a and b and is_request_path(a) and is_request_path(b) and request_id(a) != request_id(b):
            old, new = out.get(request_id(a)), out.get(request_id(b))
            old.reasons.add("request-deleted")
            old.base_path = a
            new.reasons.add("request-added")
            new.head_path, new.renamed_from = b, a
            continue
        for p in paths:
            if p.startswith(REQUESTS + "/") and not PurePosixPath(p).name.startswith("."):
                t = out.get(request_id(p))
                if kind == "A":
                    t.reasons.add("request-added")
                    t.head_path = p
                elif kind == "D":
                    t.reasons.add("request-deleted")
                    t.base_path = p
                else:
                    t.reasons.add("request-changed")
                    t.head_path, t.base_path = b, a
            elif p.startswith(RENDERED + "/") and (sid := stack_of(p)):
                out.get(sid).rendered_paths.add(p)  # drift, unless it matches a fresh rendering
    out.governance_paths = sorted(governance)
    out.template_paths = sorted(set(out.template_paths))
    return out


def requests_matching(repo: git.Repo, commit: str, key: str, values: Iterable[str]) -> list[str]:
    """Request files at `commit` with a line `<key>: <one of values>` (git grep: no file is parsed).

    `key` carries its indentation (`kind` for top-level, `  environment` for metadata).
    """
    values = set(values)
    if not values:
        return []
    alternatives = "|".join(re.escape(v) for v in sorted(values))
    pattern = rf"^{key}:[[:space:]]*['\"]?({alternatives})['\"]?[[:space:]]*(#.*)?$"
    try:
        out = repo.git.grep("-l", "-E", pattern, commit, "--", f"{REQUESTS}/")
    except git.GitCommandError as e:
        if e.status == 1:  # no match
            return []
        raise
    return sorted(line.split(":", 1)[1] for line in out.splitlines() if ":" in line)
