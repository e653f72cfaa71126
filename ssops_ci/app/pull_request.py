"""A pull request's evaluation in one process (the local forge, the demo, a single-job setup): evaluate
its head against the current tip of its base, then let the gate judge and merge; a push or a base
that moves meanwhile means evaluating again, never merging what was not evaluated."""

from __future__ import annotations

from collections.abc import Callable

from ssops_ci.app.evaluate import Evaluation
from ssops_ci.app.gate import Gate, Outcome
from ssops_ci.model.forge import RISK_CONTEXT, PullRequest
from ssops_ci.model.problems import SsopsError
from ssops_ci.model.risk import Author
from ssops_ci.ports import Forge, Repository

# base SHA, head SHA, who opened it, and (in a matrix job) the stacks to evaluate
Evaluator = Callable[[str, str, Author, list[str] | None], Evaluation]

__all__ = ["Evaluator", "Outcome", "PullRequests", "assess"]


def assess(
    forge: Forge, repository: Repository, evaluator: Evaluator, number: int, only: list[str] | None = None
) -> tuple[PullRequest, Evaluation]:
    """The unprivileged half: evaluate the PR's head against the current tip of its base branch."""
    pr = forge.get_pr(number)
    if pr.state != "open":
        raise SsopsError(f"pull request #{number} is {pr.state}; nothing to evaluate")
    base = forge.base_tip(pr.base_ref)
    for sha, what in ((base, f"base ({pr.base_ref})"), (pr.head_sha, "head")):
        if not repository.has_commit(sha):
            raise SsopsError(
                f"the PR's {what} commit {sha[:12]} is not in {repository.root}; fetch it first "
                f"(`git fetch origin {pr.base_ref} refs/pull/{number}/head` in Actions)"
            )
    return pr, evaluator(base, pr.head_sha, Author(login=pr.author, is_fork=pr.is_fork), only)


class PullRequests:
    def __init__(
        self, repository: Repository, forge: Forge, evaluator: Evaluator, gate: Gate, *, max_reevaluations: int = 3
    ) -> None:
        self.repository = repository
        self.forge = forge
        self.evaluator = evaluator
        self.gate = gate
        self.max_reevaluations = max_reevaluations

    def evaluate(self, number: int) -> Outcome:
        """On PR opened/synchronize/reopened: comment, check, labels, reviewers; merge when allowed."""
        return self._cycle(number, "evaluate")

    def review(self, number: int) -> Outcome:
        """On review submitted/dismissed (or a re-run): count approvals of the current head, then merge."""
        return self._cycle(number, "review")

    def _failed(self, number: int, error: Exception) -> None:
        """An evaluation that broke leaves no green check behind from an earlier one (best effort: the
        error itself is what the caller reports)."""
        try:
            pr = self.forge.get_pr(number)
            why = f"{type(error).__name__}: {error}" if not isinstance(error, SsopsError) else str(error)
            self.forge.set_gate(pr.head_sha, RISK_CONTEXT, "failure", "the evaluation failed", why[:1000], None)
            self.gate.audit.emit("evaluate-failed", pr=number, sha=pr.head_sha, error=why[:1000])
        except SsopsError:
            pass

    def _cycle(self, number: int, event: str) -> Outcome:
        outcome: Outcome | None = None
        for reevaluated in range(self.max_reevaluations + 1):
            try:
                _, evaluation = assess(self.forge, self.repository, self.evaluator, number)
            except Exception as e:
                self._failed(number, e)
                raise
            outcome = self.gate.decide(number, evaluation.report, event)
            outcome.reevaluated = reevaluated
            moved = outcome.stale or (outcome.merge is not None and outcome.merge.head_moved)
            if not moved:
                return outcome
        assert outcome is not None
        return outcome
