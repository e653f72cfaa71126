"""Which stacks a change touches, on real git repositories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import git
import pytest

from ssops_ci.adapters.git import GitRepository
from ssops_ci.app.scope import scope
from ssops_ci.model.plan import Affected
from ssops_ci.model.problems import SsopsError
from ssops_ci.stages.affected import reached_by
from tests.conftest import Repo, request_yaml


def affected(repo: Repo, base: str = "main", head: str = "HEAD") -> Affected:
    return scope(GitRepository.open(repo.root), base, head).affected


def touched(repo: Repo, base: str = "main", head: str = "HEAD") -> dict[str, list[str]]:
    found = affected(repo, base, head)
    return {k: sorted(v.reasons) for k, v in sorted(found.touched.items())}


def test_request_added_changed_deleted(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.write("requests/payments/jobs.yaml", request_yaml())
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.remove("requests/search/crawl-queue.yaml")
    repo.commit()
    assert touched(repo) == {
        "payments/jobs": ["request-added"],
        "search/crawl-queue": ["request-deleted"],
        "search/indexer": ["request-changed"],
    }


def test_renamed_request_is_a_delete_and_an_add(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.git("mv", "requests/search/crawl-queue.yaml", "requests/search/crawler.yaml")
    repo.edit("requests/search/crawler.yaml", "name: crawl-queue", "name: crawler")
    repo.commit()
    found = affected(repo)
    assert sorted(found.touched) == ["search/crawl-queue", "search/crawler"]
    assert found.touched["search/crawler"].renamed_from == "requests/search/crawl-queue.yaml"
    assert "request-deleted" in found.touched["search/crawl-queue"].reasons


def test_template_change_reaches_every_request_of_that_kind(gitrepo: Callable[..., Repo]) -> None:
    quoted = request_yaml(name="q3").replace("kind: Queue", '"kind": "Queue"')  # valid YAML, any spelling
    repo = gitrepo(
        {
            "requests/payments/q2.yaml": request_yaml(name="q2", spec="  fifo: true  # comment\n"),
            "requests/payments/q3.yaml": quoted,
        }
    )
    repo.branch("platform-change")
    repo.edit(
        "templates/queue/main.tf.j2",
        "kms_data_key_reuse_period_seconds = 300",
        "kms_data_key_reuse_period_seconds = 600",
    )
    repo.commit(render=False)
    got = touched(repo)
    assert got == {
        "payments/q2": ["template-changed"],
        "payments/q3": ["template-changed"],
        "payments/refund-events": ["template-changed"],
        "search/crawl-queue": ["template-changed"],
    }
    found = affected(repo)
    assert found.governance_paths == ["templates/queue/main.tf.j2"]


def test_shared_partial_reaches_every_kind(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("platform-change")
    repo.edit("templates/_shared/kms.tf.j2", "deletion_window_in_days = 30", "deletion_window_in_days = 14")
    repo.commit(render=False)
    assert set(touched(repo)) == {
        "payments/orders-db",
        "payments/receipts",
        "payments/refund-events",
        "search/crawl-queue",
        "search/indexer",
        "search/query-cache",
        "search/ranking-db",
    }


def test_hand_edited_rendered_file_is_drift(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("sneaky")
    repo.edit("rendered/payments/receipts/main.tf", "block_public_acls       = true", "block_public_acls       = false")
    repo.commit(render=False)
    found = affected(repo)
    assert list(found.touched) == ["payments/receipts"]
    assert found.touched["payments/receipts"].rendered_paths == {"rendered/payments/receipts/main.tf"}


def test_governance_paths(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("gov")
    repo.write(".github/workflows/x.yml", "on: push\n")
    repo.write("ssops_ci/hack.py", "x = 1\n")
    repo.write("policies/teams.yaml", (repo.root / "policies/teams.yaml").read_text() + "\n")
    repo.write("docs/readme.md", "hello\n")
    repo.write("setup.py", "import os\n")  # apply runs `pip install .` with production credentials
    repo.commit(render=False)
    found = affected(repo)
    # an allowlist: anything but a request and its rendering is governance
    assert found.governance_paths == [
        ".github/workflows/x.yml",
        "docs/readme.md",
        "policies/teams.yaml",
        "setup.py",
        "ssops_ci/hack.py",
    ]
    assert found.touched == {}


def test_platform_change_reaches_the_stacks_of_changed_environments(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("platform")
    repo.edit("policies/platform.yaml", "vpc_name: acme-staging", "vpc_name: acme-staging-2")
    repo.commit(render=False)
    assert touched(repo) == {"payments/refund-events": ["template-changed"]}


def test_diff_is_from_the_merge_base(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    repo.branch("feature")
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.commit()
    repo.branch("main", "main")
    repo.git("checkout", "-q", "main")
    repo.edit("requests/payments/receipts.yaml", "expireAfterDays: 2555", "expireAfterDays: 3000")
    repo.commit()
    # main moved on; the PR still touches only what it changed
    assert list(touched(repo, "main", "feature")) == ["search/indexer"]


def test_unknown_ref_is_a_clear_error(gitrepo: Callable[..., Repo]) -> None:
    repo = gitrepo()
    with pytest.raises(SsopsError, match="unknown git ref 'nope': fetch it first"):
        affected(repo, "nope", "HEAD")


def test_shallow_clone_without_merge_base(gitrepo: Callable[..., Repo], tmp_path: Path) -> None:
    repo = gitrepo()
    repo.branch("feature")
    for i in range(3):
        repo.write(f"requests/payments/q{i}.yaml", request_yaml(name=f"q{i}"))
        repo.commit()
    repo.git("checkout", "-q", "main")
    repo.edit("requests/search/indexer.yaml", "memoryMb: 512", "memoryMb: 1024")
    repo.commit()
    clone = tmp_path / "shallow"
    git.Repo.clone_from(f"file://{repo.root}", clone, depth=1, no_single_branch=True)
    r = GitRepository.open(clone)
    with pytest.raises(SsopsError, match="this clone is shallow; fetch full history"):
        r.merge_base(r.resolve("origin/main"), r.resolve("origin/feature"))


@pytest.mark.parametrize(
    ("text", "reached"),
    [
        ("kind: Queue\nmetadata: {environment: dev}\n", True),
        ('"kind": "Queue"\n', True),  # a quoted key: valid YAML that a line regex missed
        ("{kind: Queue, metadata: {environment: dev}}\n", True),  # flow style
        ("kind: Function\nmetadata:\n  environment: prod\n", True),  # by environment
        ("kind: Function\nmetadata:\n  environment: dev\n", False),
        ("# kind: Queue\nkind: Function\n", False),  # a comment is not the kind
        ("kind: [unclosed\n", True),  # does not parse: counted in, so validation reports it
    ],
)
def test_a_platform_change_reaches_requests_by_what_they_say_not_how_they_spell_it(text: str, reached: bool) -> None:
    assert reached_by(text.encode(), frozenset({"Queue"}), frozenset({"prod"})) is reached
