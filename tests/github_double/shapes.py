"""JSON the double answers with, built from the examples in GitHub's OpenAPI description."""

from __future__ import annotations

import copy
import json
import urllib.parse
from typing import Any

from tests.github_double.spec import spec
from tests.github_double.state import ACTIONS_APP_ID, PR, Artifact, CheckRun, Issue, now

_UNIQUE = 10**7


def _id(text: str) -> int:
    return sum(ord(c) * 31**i for i, c in enumerate(text)) % _UNIQUE + 1


class Shapes:
    """Mixed into the double: it knows the repository's name, URLs and state."""

    owner: str
    name: str
    url: str
    apps: dict[int, Any]

    def sha(self, branch: str) -> str:
        raise NotImplementedError

    def repo_url(self) -> str:
        return f"{self.url}/repos/{self.owner}/{self.name}"

    def user(self, login: str) -> dict[str, Any]:
        u = spec().example("pull-request")["user"]
        uid = _id(login)
        u.update(
            login=login,
            id=uid,
            node_id=f"U_{uid}",
            url=f"{self.url}/users/{login}",
            html_url=f"https://github.example/{login}",
            type="Bot" if login.endswith("[bot]") else "User",
        )
        return u

    def app(self, app_id: int) -> dict[str, Any]:
        app = spec().example("check-run")["app"]
        slug = self.apps[app_id].slug if app_id in self.apps else "github-actions"
        app.update(id=app_id, slug=slug, name=slug, node_id=f"A_{app_id}")
        return app

    def pr_json(self, pr: PR, comments: int = 0) -> dict[str, Any]:
        head_sha = pr.head_sha_at_close or self.sha(pr.head)
        example = json.dumps(spec().example("pull-request"))
        # The example's own number and head SHA appear inside its URLs; make them ours.
        example = example.replace("/1347", f"/{pr.number}").replace(
            "6dcb09b5b57875f334f61aebed695e2e4193db5e", head_sha
        )
        d = json.loads(example)
        d.update(
            url=f"{self.repo_url()}/pulls/{pr.number}",
            id=1000 + pr.number,
            number=pr.number,
            state="closed" if pr.state != "open" else "open",
            title=pr.title,
            user=self.user(pr.author),
            html_url=f"https://github.example/{self.owner}/{self.name}/pull/{pr.number}",
            labels=[self.label(lb) for lb in pr.labels],
            merged=pr.merged,
            merge_commit_sha=pr.merge_sha,
            mergeable=pr.state == "open",
            draft=pr.draft,
            requested_reviewers=[self.user(u) for u in pr.requested_users],
            requested_teams=[self.team(t) for t in pr.requested_teams],
            comments=comments,
        )
        d["merged_at"] = now() if pr.merged else None
        d["closed_at"] = now() if pr.state != "open" else None
        d["merged_by"] = self.user("github-actions[bot]") if pr.merged else None
        for side, ref, sha in (("head", pr.head, head_sha), ("base", pr.base, self.sha(pr.base))):
            d[side]["ref"], d[side]["sha"], d[side]["label"] = ref, sha, f"{self.owner}:{ref}"
            d[side]["repo"]["full_name"] = f"{self.owner}/{self.name}"
            d[side]["repo"]["name"] = self.name
            d[side]["repo"]["url"] = self.repo_url()
        if pr.fork:
            d["head"]["repo"]["full_name"] = f"{pr.author}/{self.name}"
            d["head"]["repo"]["url"] = f"{self.url}/repos/{pr.author}/{self.name}"
        return d

    def simple_pr(self, pr: PR) -> dict[str, Any]:
        full = self.pr_json(pr)
        keys = spec().example("pull-request-simple-items")[0].keys()
        return {k: full[k] for k in keys if k in full}

    def label(self, name: str) -> dict[str, Any]:
        lb = spec().example("label-items")[0]
        lb.update(name=name, id=_id(name), url=f"{self.repo_url()}/labels/{urllib.parse.quote(name)}")
        return lb

    def team(self, slug: str) -> dict[str, Any]:
        t = spec().example("simple-pull-request-review-request")["teams"][0]
        t.update(slug=slug, name=slug, type="organization")
        return t

    def comment(self, cid: int, data: dict[str, Any]) -> dict[str, Any]:
        c = spec().example("issue-comment")
        c.update(
            id=cid,
            node_id=f"C_{cid}",
            body=data["body"],
            user=self.user(data["user"]),
            url=f"{self.repo_url()}/issues/comments/{cid}",
            issue_url=f"{self.repo_url()}/issues/{data['issue']}",
        )
        return c

    def status(self, s: dict[str, Any]) -> dict[str, Any]:
        out = spec().example("status")
        out.update(
            state=s["state"],
            context=s["context"],
            description=s.get("description"),
            target_url=s.get("target_url"),
            id=s["id"],
            creator=self.user(s["creator"]),
        )
        return out

    def combined(self, sha: str, statuses: list[dict[str, Any]]) -> dict[str, Any]:
        latest: dict[str, dict[str, Any]] = {}
        for s in statuses:
            latest[s["context"]] = s
        states = [s["state"] for s in latest.values()]
        failing = any(x in ("failure", "error") for x in states)
        state = "failure" if failing else "pending" if not states or "pending" in states else "success"
        out = spec().example("combined-commit-status")
        template = out["statuses"][0]
        out["statuses"] = []
        for s in latest.values():
            item = copy.deepcopy(template)
            item.update(
                state=s["state"],
                context=s["context"],
                description=s.get("description"),
                target_url=s.get("target_url"),
                id=s["id"],
            )
            out["statuses"].append(item)
        out.update(state=state, sha=sha, total_count=len(latest))
        return out

    def review_json(self, r: dict[str, Any], number: int) -> dict[str, Any]:
        out = spec().example("pull-request-review-items")[0]
        out.update(
            id=r["id"],
            user=self.user(r["user"]),
            state=r["state"],
            commit_id=r["commit_id"],
            submitted_at=r["submitted_at"],
            pull_request_url=f"{self.repo_url()}/pulls/{number}",
        )
        return out

    def check_run(self, run: CheckRun) -> dict[str, Any]:
        out = spec().example("check-run")
        out.update(
            id=run.id,
            node_id=f"CR_{run.id}",
            head_sha=run.head_sha,
            name=run.name,
            status=run.status,
            conclusion=run.conclusion,
            started_at=run.started_at,
            completed_at=run.completed_at,
            details_url=run.details_url,
            url=f"{self.repo_url()}/check-runs/{run.id}",
            html_url=f"https://github.example/{self.owner}/{self.name}/runs/{run.id}",
            app=self.app(run.app_id),
            check_suite={"id": run.app_id * 1000 + _id(run.head_sha) % 1000},
            pull_requests=[],
        )
        out["output"].update(title=run.title, summary=run.summary, text=None, annotations_count=0)
        return out

    def check_suite(self, sha: str, app_id: int, runs: list[CheckRun]) -> dict[str, Any]:
        out = spec().example("check-suite-paginated")["check_suites"][0]
        done = all(r.status == "completed" for r in runs)
        passed = all(r.passed for r in runs)
        out.update(
            id=app_id * 1000 + _id(sha) % 1000,
            head_sha=sha,
            after=sha,
            status="completed" if done else "in_progress",
            conclusion=("success" if passed else "failure") if done else None,
            app=self.app(app_id),
            pull_requests=[],
            url=f"{self.repo_url()}/check-suites/{app_id}",
        )
        return out

    def artifact(self, a: Artifact, head_sha: str) -> dict[str, Any]:
        out = spec().example("artifact-paginated")["artifacts"][0]
        out.update(
            id=a.id,
            node_id=f"AR_{a.id}",
            name=a.name,
            size_in_bytes=len(a.data),
            url=f"{self.repo_url()}/actions/artifacts/{a.id}",
            archive_download_url=f"{self.repo_url()}/actions/artifacts/{a.id}/zip",
        )
        out["workflow_run"].update(id=a.run_id, head_sha=head_sha)
        return out

    def issue(self, i: Issue) -> dict[str, Any]:
        out = spec().example("issue")
        out.update(
            id=5000 + i.number,
            number=i.number,
            title=i.title,
            body=i.body,
            state=i.state,
            state_reason=i.state_reason,
            labels=[self.label(lb) for lb in i.labels],
            user=self.user(i.author),
            url=f"{self.repo_url()}/issues/{i.number}",
            html_url=f"https://github.example/{self.owner}/{self.name}/issues/{i.number}",
            pull_request=None,
        )
        out.pop("pull_request")
        return out

    def actions_app_id(self) -> int:
        return ACTIONS_APP_ID
