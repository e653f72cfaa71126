"""Pull requests: reading them, their files and reviews, asking for reviewers, and merging (enforcing protection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.github_double.calls import NOT_FOUND, Call, Reply, paged
from tests.github_double.spec import spec
from tests.github_double.state import PR, CheckRun, Event, Identity

# What a simple pull request (the answer to a review request) leaves out of a full one.
_NOT_IN_SIMPLE_PR = {
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
}


class PullRoutes:
    url: str
    prs: dict[int, PR]
    statuses: dict[str, list[dict[str, Any]]]
    check_runs: dict[int, CheckRun]
    protected: bool
    required_contexts: list[str]
    required_checks: list[tuple[str, int | None]]
    review_rules: dict[str, Any]
    rules: list[dict[str, Any]]
    roles: dict[str, str]
    before_merge: Callable[[PR], None] | None
    events: list[Event]

    def sha(self, branch: str) -> str: ...
    def pr_json(self, pr: PR, comments: int = 0) -> dict[str, Any]: ...
    def simple_pr(self, pr: PR) -> dict[str, Any]: ...
    def user(self, login: str) -> dict[str, Any]: ...
    def team(self, slug: str) -> dict[str, Any]: ...
    def review_json(self, r: dict[str, Any], number: int) -> dict[str, Any]: ...
    def comments_on(self, number: int) -> list[dict[str, Any]]: ...
    def diff_entries(self, old: str, new: str) -> list[dict[str, Any]]: ...
    def merge_base(self, a: str, b: str) -> str: ...
    def merge_commit(self, pr: PR, head: str, title: str) -> str | None: ...
    def push_event(self, branch: str, before: str, after: str, who: Identity) -> None: ...

    def _pr(self, params: dict[str, str], key: str = "pull_number") -> PR | None:
        return self.prs.get(int(params[key]))

    def get_pull(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        return (200, self.pr_json(pr, len(self.comments_on(pr.number)))) if pr else NOT_FOUND

    def list_pulls(self, c: Call) -> Reply:
        state = c.query.get("state", "open")
        chosen = [
            p
            for p in self.prs.values()
            if (state == "all" or (p.state == "open") == (state == "open"))
            and (not c.query.get("base") or p.base == c.query["base"])
        ]
        page, headers = paged(c, self.url, [self.simple_pr(p) for p in chosen])
        return 200, page, headers

    def list_files(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        head = pr.head_sha_at_close or self.sha(pr.head)
        entries = self.diff_entries(self.merge_base(self.sha(pr.base), head), head)
        page, headers = paged(c, self.url, entries)
        return 200, page, headers

    def list_reviews(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        return (200, [self.review_json(r, pr.number) for r in pr.reviews]) if pr else NOT_FOUND

    def request_reviewers(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        if pr.author in c.body.get("reviewers", []):
            return 422, {
                "message": "Review cannot be requested from pull request author.",
                "documentation_url": "https://docs.github.com/rest",
            }
        if c.body.get("team_reviewers") and c.who.kind == "actions":
            # The Actions token cannot see the organisation's teams, so GitHub cannot resolve them.
            return 422, {
                "message": "Reviews may only be requested from collaborators. One or more of the teams you specified "
                "is not a collaborator of the repository.",
                "documentation_url": "https://docs.github.com/rest",
            }
        pr.requested_users += [u for u in c.body.get("reviewers", []) if u not in pr.requested_users]
        pr.requested_teams += [t for t in c.body.get("team_reviewers", []) if t not in pr.requested_teams]
        return 201, {k: v for k, v in self.pr_json(pr).items() if k not in _NOT_IN_SIMPLE_PR}

    def list_requested_reviewers(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        d = spec().example("simple-pull-request-review-request")
        d["users"] = [self.user(u) for u in pr.requested_users]
        d["teams"] = [self.team(t) for t in pr.requested_teams]
        return 200, d

    def check_merged(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        return (204, None) if pr and pr.merged else NOT_FOUND

    # ------------------------------------------------------------------ merging, as protection enforces it

    def required(self) -> list[tuple[str, int | None]]:
        """Every required check with its source app (None: any source), from protection and rulesets."""
        found = [(c, None) for c in self.required_contexts] + list(self.required_checks) if self.protected else []
        for rule in self.rules:
            if rule.get("type") == "required_status_checks":
                found += [(c["context"], c.get("integration_id")) for c in rule["parameters"]["required_status_checks"]]
        return found

    def satisfied(self, sha: str, context: str, app_id: int | None) -> bool:
        latest: dict[str, dict[str, Any]] = {}
        for s in self.statuses.get(sha, []):
            latest[s["context"]] = s
        if app_id is None and latest.get(context, {}).get("state") == "success":
            return True
        runs = [r for r in self.check_runs.values() if r.head_sha == sha and r.name == context]
        newest: dict[int, CheckRun] = {}
        for r in sorted(runs, key=lambda r: r.id):
            newest[r.app_id] = r
        return any(r.passed for a, r in newest.items() if app_id is None or a == app_id)

    def _approvals(self, pr: PR, head: str) -> int:
        latest: dict[str, dict[str, Any]] = {}
        for r in pr.reviews:
            if r["state"] in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[r["user"]] = r
        stale_ok = not self.review_rules.get("dismiss_stale_reviews")
        return sum(
            1
            for user, r in latest.items()
            if r["state"] == "APPROVED"
            and user != pr.author
            and self.roles.get(user) in ("write", "maintain", "admin")
            and (stale_ok or r["commit_id"] == head)
        )

    def unmet(self, pr: PR, head: str) -> str | None:
        """Why GitHub would not merge, in its words; None when protection and rules are satisfied."""
        for context, app_id in self.required():
            if not self.satisfied(head, context, app_id):
                return f'Required status check "{context}" is expected.'
        needed = int(self.review_rules.get("required_approving_review_count") or 0) if self.protected else 0
        if self._approvals(pr, head) < needed:
            return f"At least {needed} approving review is required by reviewers with write access."
        return None

    def merge(self, c: Call) -> Reply:
        pr = self._pr(c.p)
        if pr is None:
            return NOT_FOUND
        if pr.state != "open":
            return 405, {"message": "Pull Request is not mergeable"}
        if self.before_merge is not None:
            hook, self.before_merge = self.before_merge, None
            hook(pr)
        head = self.sha(pr.head)
        if c.body and c.body.get("sha") and c.body["sha"] != head:
            return 409, {"message": "Head branch was modified. Review and try the merge again."}
        if pr.draft:
            return 405, {"message": "Pull Request is still a draft"}
        why = self.unmet(pr, head)
        if why:
            return 405, {"message": why}
        before = self.sha(pr.base)
        merged = self.merge_commit(pr, head, (c.body or {}).get("commit_title") or f"Merge #{pr.number}")
        if merged is None:
            return 405, {"message": "Pull Request is not mergeable"}
        pr.state, pr.merged, pr.merge_sha, pr.head_sha_at_close = "closed", True, merged, head
        self.push_event(pr.base, before, merged, c.who)
        return 200, {"sha": merged, "merged": True, "message": "Pull Request successfully merged"}
