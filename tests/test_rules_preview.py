"""A rules change judged the other way: which merged requests its rules would re-tier or block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ssops_ci.model.finding import ScanResult
from ssops_ci.model.report import Report
from ssops_ci.stages import comment
from tests.conftest import Repo, evaluate

TODAY = dt.date(2026, 12, 3)
DATABASES_NEED_PLATFORM = """  - id: databases-need-platform
    when: {kinds: [PostgresDatabase]}
    tier: high
    reason: "{stack} is a database: the platform team reviews it"
"""


class NoScan:
    """Finds nothing: checkov is not what is under test."""

    def scan(self, stacks: object) -> ScanResult:
        return ScanResult()


def judged(repo: Repo) -> Report:
    return evaluate(repo.root, "main", "HEAD", today=TODAY, scanner=NoScan())


def test_a_new_risk_rule_shows_the_requests_it_would_re_tier(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo(requests=True)
    repo.branch("databases-high")
    repo.edit("policies/risk.yaml", "pr_rules:\n", DATABASES_NEED_PLATFORM + "pr_rules:\n")
    repo.commit("databases need the platform team", render=False)
    report = judged(repo)
    preview = report.rules_preview
    assert preview is not None
    assert preview.files == ["policies/risk.yaml"]
    assert preview.checked == 7 and preview.unrenderable == 0
    # orders-db is in prod (medium already), ranking-db in dev (low): both become high; nothing else moves
    assert {(t.request, t.before, t.after) for t in preview.shifts} == {
        ("requests/payments/orders-db.yaml", "medium", "high"),
        ("requests/search/ranking-db.yaml", "low", "high"),
    }
    [ranking] = [t for t in preview.shifts if t.request.endswith("ranking-db.yaml")]
    assert ranking.reasons == ["search/ranking-db is a database: the platform team reviews it"]
    text = comment.render(report)
    assert "### The merged requests under these rules" in text
    assert "**2 of 7** merged request(s) would get another tier once policies/risk.yaml change" in text
    assert "| <code>requests/search/ranking-db.yaml</code> | 🟢 low | 🟠 high |" in text


def test_a_stricter_guardrail_shows_the_requests_it_would_block(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo(requests=True)
    repo.branch("queues-retry-more")
    repo.edit(
        "policies/guardrails.yaml",
        "      maxConcurrency: {max: 20}\n",
        "      maxConcurrency: {max: 20}\n    Queue:\n      maxReceiveCount: {min: 10}\n",
    )
    repo.commit("dev queues retry ten times", render=False)
    preview = judged(repo).rules_preview
    assert preview is not None and preview.files == ["policies/guardrails.yaml"]
    [shift] = preview.shifts
    assert (shift.request, shift.before, shift.after) == ("requests/search/crawl-queue.yaml", "low", "blocked")
    assert "blocking finding" in shift.reasons[0]


def test_only_a_rules_change_is_previewed(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo(requests=True)
    repo.branch("reword")
    repo.edit("policies/risk.yaml", "could not be evaluated", "could not be evaluated at all")
    repo.commit("reword a reason", render=False)
    preview = judged(repo).rules_preview
    assert preview is not None and preview.shifts == []
    assert "None of the 7 merged request(s) would get another tier" in comment.render(judged(repo))

    repo.git("checkout", "-q", "main")
    repo.branch("only-requests")
    repo.edit("requests/search/crawl-queue.yaml", "environment: dev", "environment: dev  # the crawler")
    repo.commit()
    assert judged(repo).rules_preview is None
