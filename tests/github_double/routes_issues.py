"""Comments, labels and issues."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.github_double.calls import NOT_FOUND, Call, Reply, paged
from tests.github_double.state import PR, Issue


def _too_long() -> dict[str, Any]:
    """What GitHub answers for a comment over its limit."""
    return {
        "message": "Validation Failed",
        "errors": [
            {
                "resource": "IssueComment",
                "code": "custom",
                "field": "body",
                "message": "body is too long (maximum is 65536 characters)",
            }
        ],
        "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
    }


class IssueRoutes:
    url: str
    prs: dict[int, PR]
    comments: dict[int, dict[str, Any]]
    issues: dict[int, Issue]
    _ids: Iterator[int]

    def comment(self, cid: int, data: dict[str, Any]) -> dict[str, Any]: ...
    def label(self, name: str) -> dict[str, Any]: ...
    def issue(self, i: Issue) -> dict[str, Any]: ...

    def _issue_pr(self, c: Call) -> PR | None:
        return self.prs.get(int(c.p["issue_number"]))

    def list_comments(self, c: Call) -> Reply:
        pr = self._issue_pr(c)
        if pr is None:
            return NOT_FOUND
        items = [self.comment(cid, cm) for cid, cm in self.comments.items() if cm["issue"] == pr.number]
        page, headers = paged(c, self.url, items)
        return 200, page, headers

    def create_comment(self, c: Call) -> Reply:
        pr = self._issue_pr(c)
        if pr is None:
            return NOT_FOUND
        if len(c.body["body"]) > 65_536:
            return 422, _too_long()
        cid = next(self._ids)
        self.comments[cid] = {"issue": pr.number, "body": c.body["body"], "user": c.user}
        return 201, self.comment(cid, self.comments[cid])

    def get_comment(self, c: Call) -> Reply:
        cid = int(c.p["comment_id"])
        return (200, self.comment(cid, self.comments[cid])) if cid in self.comments else NOT_FOUND

    def update_comment(self, c: Call) -> Reply:
        cid = int(c.p["comment_id"])
        if cid not in self.comments:
            return NOT_FOUND
        if len(c.body["body"]) > 65_536:
            return 422, _too_long()
        if self.comments[cid]["user"] != c.user:
            return 403, {"message": "Must have admin rights", "documentation_url": "https://docs.github.com/rest"}
        self.comments[cid]["body"] = c.body["body"]
        return 200, self.comment(cid, self.comments[cid])

    def delete_comment(self, c: Call) -> Reply:
        cid = int(c.p["comment_id"])
        if cid not in self.comments:
            return NOT_FOUND
        del self.comments[cid]
        return 204, None

    def list_labels(self, c: Call) -> Reply:
        pr = self._issue_pr(c)
        return (200, [self.label(lb) for lb in pr.labels]) if pr else NOT_FOUND

    def add_labels(self, c: Call) -> Reply:
        pr = self._issue_pr(c)
        if pr is None:
            return NOT_FOUND
        names = c.body if isinstance(c.body, list) else c.body.get("labels", [])
        for n in names:
            n = n["name"] if isinstance(n, dict) else n
            if n not in pr.labels:
                pr.labels.append(n)
        return 200, [self.label(lb) for lb in pr.labels]

    def remove_label(self, c: Call) -> Reply:
        pr = self._issue_pr(c)
        if pr is None:
            return NOT_FOUND
        if c.p["name"] not in pr.labels:
            return 404, {"message": "Label does not exist", "documentation_url": "https://docs.github.com/rest"}
        pr.labels.remove(c.p["name"])
        return 200, [self.label(lb) for lb in pr.labels]

    def list_issues(self, c: Call) -> Reply:
        state = c.query.get("state", "open")
        wanted = {lb for lb in c.query.get("labels", "").split(",") if lb}
        chosen = [i for i in self.issues.values() if (state == "all" or i.state == state) and wanted <= set(i.labels)]
        page, headers = paged(c, self.url, [self.issue(i) for i in chosen])
        return 200, page, headers

    def create_issue(self, c: Call) -> Reply:
        number = 10_000 + len(self.issues) + 1
        labels = [lb["name"] if isinstance(lb, dict) else lb for lb in c.body.get("labels", [])]
        self.issues[number] = Issue(number, c.body["title"], c.body.get("body") or "", labels, c.user)
        return 201, self.issue(self.issues[number])

    def update_issue(self, c: Call) -> Reply:
        issue = self.issues.get(int(c.p["issue_number"]))
        if issue is None:
            return NOT_FOUND
        issue.body = c.body.get("body", issue.body)
        issue.state = c.body.get("state", issue.state)
        issue.state_reason = c.body.get("state_reason", issue.state_reason)
        return 200, self.issue(issue)
