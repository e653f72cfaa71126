"""The local forge: a pull request is a branch; comments, checks, labels and reviews live in .git/ssops/."""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
from pydantic import BaseModel, Field, ValidationError

from ssops_ci.adapters.gitmerge import BaseMoved, MergeConflict, merge_into, merge_of
from ssops_ci.model.forge import CheckState, GateState, Identity, MergeResult, PullRequest, RequiredCheck, Review
from ssops_ci.model.problems import ForgeError, SsopsError


class Store(BaseModel):
    """Everything the local forge keeps in .git/ssops/forge.json."""

    next_number: int = 1
    next_comment: int = 1
    prs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    statuses: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)  # sha -> context -> status
    required: list[str] = Field(default_factory=list)  # contexts a merge into any branch needs
    deployments: list[dict[str, Any]] = Field(default_factory=list)
    dispatches: list[dict[str, Any]] = Field(default_factory=list)  # workflows started, for the record
    # login -> GitHub's permission (admin, write, read, none); anyone not listed may write, as on a
    # repository where every developer is a collaborator
    permissions: dict[str, str] = Field(default_factory=dict)


class LocalForge:
    name = "local"

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.dir = Path(repo.git_dir) / "ssops"
        self.dir.mkdir(exist_ok=True)
        self.path = self.dir / "forge.json"

    # ------------------------------------------------------------------ storage

    @contextlib.contextmanager
    def _store(self) -> Iterator[Store]:
        """Read-modify-write under an exclusive lock (two CLI runs may race)."""
        with (self.dir / "forge.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            store = self._load()
            yield store
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(store.model_dump_json(indent=2))
            tmp.replace(self.path)

    def _load(self) -> Store:
        if not self.path.exists():
            return Store()
        try:
            return Store.model_validate_json(self.path.read_bytes())
        except ValidationError as e:
            where = ".".join(str(x) for x in e.errors()[0]["loc"]) or "the file"
            raise SsopsError(
                f"{self.path}: the local forge's state is damaged at {where} ({e.errors()[0]['msg']}); "
                f"restore it, or delete it to start over (its pull requests are then forgotten)"
            ) from None

    def _pr(self, store: Store, number: int) -> dict[str, Any]:
        pr = store.prs.get(str(number))
        if pr is None:
            raise ForgeError(f"there is no pull request #{number}; `ssops-ci pr list` shows them")
        return pr

    # ------------------------------------------------------------------ local-only operations

    def open(self, branch: str, base: str, author: str, title: str = "", draft: bool = False) -> PullRequest:
        for ref in (branch, base):
            if ref not in self.repo.heads:
                raise ForgeError(f"no branch {ref!r} in {self.repo.working_dir}")
        with self._store() as store:
            for existing in store.prs.values():
                if existing["head_ref"] == branch and existing["state"] == "open":
                    raise ForgeError(f"branch {branch} already has open pull request #{existing['number']}")
            number = store.next_number
            store.next_number += 1
            store.prs[str(number)] = {
                "number": number,
                "title": title or branch,
                "author": author,
                "head_ref": branch,
                "base_ref": base,
                "state": "open",
                "draft": draft,
                "comments": {},
                "statuses": {},
                "labels": [],
                "reviews": [],
                "review_requests": [],
                "merge_sha": None,
            }
        return self.get_pr(number)

    def approve(self, number: int, user: str, state: str = "APPROVED") -> Review:
        pr = self.get_pr(number)
        review = Review.model_validate({"user": user, "state": state, "commit_id": pr.head_sha})
        with self._store() as store:
            self._pr(store, number)["reviews"].append(review.model_dump())
        return review

    def set_permission(self, user: str, permission: str) -> None:
        with self._store() as store:
            store.permissions[user.lower()] = permission

    def can_write(self, user: str) -> bool:
        with self._store() as store:
            return store.permissions.get(user.lower(), "write") in ("admin", "write")

    def all_prs(self) -> list[PullRequest]:
        with self._store() as store:
            numbers = [int(n) for n in store.prs]
        return [self.get_pr(n) for n in sorted(numbers)]

    def record(self, number: int) -> dict[str, Any]:
        with self._store() as store:
            copied: dict[str, Any] = json.loads(json.dumps(self._pr(store, number)))
        return copied

    def comments(self, number: int) -> list[str]:
        return list(self.record(number)["comments"].values())

    def statuses(self, sha: str) -> dict[str, GateState]:
        return {ctx: s["state"] for ctx, s in self.status_detail(sha).items()}

    def status_detail(self, sha: str) -> dict[str, Any]:
        with self._store() as store:
            return dict(store.statuses.get(sha, {}))

    # ------------------------------------------------------------------ Forge protocol

    def identity(self) -> Identity:
        return Identity(login="ssops-ci", kind="local")

    def get_pr(self, number: int) -> PullRequest:
        with self._store() as store:
            pr = dict(self._pr(store, number))
        head = pr.get("merged_head") or self.repo.git.rev_parse(f"refs/heads/{pr['head_ref']}")
        return PullRequest(
            number=pr["number"],
            title=pr["title"],
            author=pr["author"],
            head_ref=pr["head_ref"],
            head_sha=head,
            base_ref=pr["base_ref"],
            base_sha=self.base_tip(pr["base_ref"]),
            state="merged" if pr.get("merge_sha") else pr["state"],
            draft=bool(pr.get("draft")),
            url=f"local://{self.repo.working_dir}#{number}",
        )

    def base_tip(self, branch: str) -> str:
        return str(self.repo.git.rev_parse(f"refs/heads/{branch}"))

    def open_prs(self, base: str) -> list[PullRequest]:
        return [p for p in self.all_prs() if p.state == "open" and p.base_ref == base]

    def changed_paths(self, number: int) -> list[str] | None:
        pr = self.get_pr(number)
        names = self.repo.git.diff("--name-only", "--no-renames", f"{pr.base_sha}...{pr.head_sha}")
        return sorted(set(names.splitlines()))

    def upsert_comment(self, number: int, body: str, marker: str) -> str:
        with self._store() as store:
            comments = self._pr(store, number)["comments"]
            for cid, text in comments.items():
                if str(text).startswith(marker):
                    comments[cid] = body
                    return str(cid)
            cid = str(store.next_comment)
            store.next_comment += 1
            comments[cid] = body
            return cid

    def set_gate(self, sha: str, context: str, state: GateState, title: str, summary: str, url: str | None) -> None:
        self.set_status(sha, context, state, title, url)

    def set_status(self, sha: str, context: str, state: GateState, description: str, url: str | None = None) -> None:
        with self._store() as store:
            store.statuses.setdefault(sha, {})[context] = {"state": state, "description": description[:140], "url": url}

    def require(self, *contexts: str) -> None:
        """Branch protection, the local way: merges need these checks green."""
        with self._store() as store:
            store.required = sorted(set(store.required) | set(contexts))

    def required_checks(self, branch: str) -> list[RequiredCheck]:
        with self._store() as store:
            return [RequiredCheck(context=c) for c in store.required]

    def check_states(self, sha: str) -> list[CheckState]:
        return [
            CheckState(context=ctx, source="status", passed=s["state"] == "success", done=s["state"] != "pending")
            for ctx, s in self.status_detail(sha).items()
        ]

    def set_labels(self, number: int, labels: list[str], managed_prefix: str) -> None:
        with self._store() as store:
            pr = self._pr(store, number)
            kept = [lb for lb in pr["labels"] if not lb.startswith(managed_prefix)]
            pr["labels"] = kept + [lb for lb in labels if lb not in kept]

    def request_reviewers(self, number: int, teams: list[str], users: list[str]) -> None:
        with self._store() as store:
            pr = self._pr(store, number)
            for who in [*teams, *users]:
                if who not in pr["review_requests"]:
                    pr["review_requests"].append(who)

    def reviews(self, number: int) -> list[Review]:
        return [Review.model_validate(r) for r in self.record(number)["reviews"]]

    def merge(self, number: int, sha: str, title: str) -> MergeResult:
        pr = self.get_pr(number)
        if pr.state != "open":
            return MergeResult(merged=False, refused=True, message=f"#{number} is {pr.state}")
        if pr.head_sha != sha:
            return MergeResult(
                merged=False, head_moved=True, message="Head branch was modified. Review and try the merge again."
            )
        # Under the forge's lock, so two local merges never race for the branch (a push still may).
        with self._store() as store:
            earlier = merge_of(self.repo, pr.base_ref, sha)
            try:
                merged = earlier or merge_into(
                    self.repo, pr.base_ref, sha, f"Merge pull request #{number}: {title}", pr.author
                )
            except MergeConflict as e:
                return MergeResult(merged=False, refused=True, message=str(e))
            except BaseMoved as e:
                return MergeResult(merged=False, head_moved=True, message=str(e))
            record = self._pr(store, number)
            record["merge_sha"] = merged
            record["merged_head"] = sha
            record["state"] = "closed"
        said = "merged by an earlier attempt that died before recording it" if earlier else ""
        return MergeResult(merged=True, sha=merged, message=said or "Pull Request successfully merged")

    def start_deployment(self, sha: str, environment: str, description: str, url: str | None) -> str:
        with self._store() as store:
            store.deployments.append(
                {
                    "sha": sha,
                    "environment": environment,
                    "description": description,
                    "states": ["in_progress"],
                    "url": url,
                }
            )
            return str(len(store.deployments))

    def finish_deployment(self, deployment: str, environment: str, ok: bool, description: str, url: str | None) -> None:
        with self._store() as store:
            store.deployments[int(deployment) - 1]["states"].append("success" if ok else "failure")

    def deployments(self) -> list[dict[str, Any]]:
        with self._store() as store:
            return list(store.deployments)

    def dispatch(self, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        with self._store() as store:
            store.dispatches.append({"workflow": workflow, "ref": ref, "inputs": inputs})
