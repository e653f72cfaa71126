from __future__ import annotations

from pathlib import Path

import click

from ssops_ci.app.drift import check
from ssops_ci.commands.base import guarded, repo_option
from ssops_ci.commands.forge import make_forge
from ssops_ci.commands.records import open_records
from ssops_ci.ops import wiring


@click.command("drift")
@repo_option
@click.option("--ref", default="HEAD", show_default=True, help="The default branch's commit to check.")
@click.option("--engine", type=click.Choice(["static", "terraform"]), help="Default: policies/platform.yaml.")
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), help="Write the findings as Markdown.")
@click.option("--github-issue", is_flag=True, help="Keep one GitHub tracking issue: open, update, close when clean.")
@click.option("--github-repo", help="OWNER/NAME (default: from the Actions environment).")
@click.option("--api-url", help="GitHub API base URL, for GitHub Enterprise.")
@guarded
def drift(
    repo: Path,
    ref: str,
    engine: str | None,
    markdown: Path | None,
    github_issue: bool,
    github_repo: str | None,
    api_url: str | None,
) -> int:
    """Plan every applied stack; exit 1 when any no longer matches (for a scheduled workflow)."""
    repository = wiring.open_repository(repo)
    kept = open_records(repository)
    engines = wiring.engines(repository, engine, "drift", store=kept.store)
    result = check(repository, ref, engines=engines, store=kept.store)
    kept.trail.emit(
        "drift",
        sha=result.sha,
        checked=result.checked,
        drifted=[d.stack for d in result.drifted],
        errors=len(result.errors),
    )
    text = result.markdown()
    if markdown:
        markdown.write_text(text, encoding="utf-8")
    click.echo(text, nl=False)
    if github_issue and result.code in (0, 2):  # a run that could not check says nothing about drift
        from ssops_ci.adapters.github import GitHubForge
        from ssops_ci.adapters.github.issues import track_drift

        forge = make_forge("github", repository, github_repo, api_url)
        assert isinstance(forge, GitHubForge)
        click.echo(track_drift(forge, bool(result.drifted), text))
    return result.code
