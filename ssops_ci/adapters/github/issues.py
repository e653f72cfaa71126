"""One tracking issue per repository for drift: opened when stacks drift, kept up to date, closed when clean."""

from __future__ import annotations

from ssops_ci.adapters.github.forge import GitHubForge

DRIFT_LABEL = "ssops-drift"
DRIFT_TITLE = "ssops-ci: stacks drifted from what the default branch says"


def track_drift(forge: GitHubForge, drifted: bool, body: str) -> str:
    """Open, update or close the drift issue; says what it did."""

    def sync() -> str:
        repo = forge.repo
        open_issues = [i for i in repo.get_issues(state="open", labels=[DRIFT_LABEL]) if i.pull_request is None]
        if not drifted:
            for issue in open_issues:
                issue.edit(body=body, state="closed", state_reason="completed")
            return f"closed drift issue #{open_issues[0].number}" if open_issues else "no drift, no issue"
        if open_issues:
            issue = open_issues[0]
            if issue.body != body:
                issue.edit(body=body)
            return f"updated drift issue #{issue.number}"
        return f"opened drift issue #{repo.create_issue(title=DRIFT_TITLE, body=body, labels=[DRIFT_LABEL]).number}"

    return forge.conn.call("keep the drift issue up to date", sync)
