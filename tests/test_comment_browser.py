"""The PR comment as GitHub shows it: rendered as GitHub-flavoured Markdown in a 1280 px window, in
headless Chromium, the summary table fits its column (no horizontal scroll) and nothing runs off the page.

GitHub's own CSS is not available offline; the page reproduces what matters for layout: the comment
column's width at a 1280 px window, and tables that scroll inside it rather than widen it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ssops_ci.stages import comment
from tests.conftest import Repo, chromium, request_yaml
from tests.conftest import evaluate as evaluate_range

pytestmark = pytest.mark.slow

# At a 1280 px window GitHub's pull-request timeline gives a comment body about 800 px.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }}
.timeline {{ width: 1012px; margin: 0 auto; padding: 16px 24px; box-sizing: border-box; }}
.comment-body {{ width: 780px; margin-left: 56px; overflow-wrap: break-word; }}
table {{ display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0;
        border-collapse: collapse; }}
td, th {{ padding: 6px 13px; border: 1px solid #d1d9e0; }}
code {{ padding: .2em .4em; font-size: 85%; background: #f0f0f0; border-radius: 6px; white-space: break-spaces; }}
pre {{ overflow: auto; }}
</style></head><body><div class="timeline"><div class="comment-body">{body}</div></div>
<script>
const t = document.querySelector("table");
document.body.dataset.summary = String(t ? t.scrollWidth - t.clientWidth : -1);
document.body.dataset.page = String(document.documentElement.scrollWidth - document.documentElement.clientWidth);
</script></body></html>"""


def html_of(markdown: str) -> str:
    """GitHub-flavoured Markdown as GitHub renders a comment: tables, inline HTML, <details>."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(markdown)


def test_the_comment_fits_a_1280_px_window(gitrepo: Callable[..., Repo], tmp_path: Path) -> None:
    browser = chromium(tmp_path / "profile")
    repo = gitrepo()
    repo.branch("bigger-and-new")
    repo.edit("requests/payments/orders-db.yaml", "size: small", "size: medium")
    repo.write(
        "requests/search/long-running-reindex-jobs.yaml", request_yaml(name="long-running-reindex-jobs", team="search")
    )
    repo.commit()
    report = evaluate_range(repo.root, "main", "HEAD", today=dt.date(2026, 12, 3))
    body = comment.render(report)
    page = tmp_path / "comment.html"
    page.write_text(PAGE.format(body=html_of(body)), encoding="utf-8")
    browser.append("--window-size=1280,2400")

    shot = tmp_path / "comment-1280.png"
    subprocess.run([*browser, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=90)
    assert shot.exists() and shot.stat().st_size > 20_000
    if keep := os.environ.get("SSOPS_SCREENSHOTS"):  # to look at it: SSOPS_SCREENSHOTS=out pytest ...
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)

    dom = subprocess.run([*browser, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=90)
    assert 'data-summary="0"' in dom.stdout, "the summary table scrolls sideways at 1280 px"
    assert 'data-page="0"' in dom.stdout, "something runs off the page at 1280 px"
    assert "<table>" in dom.stdout and "payments/orders-db" in dom.stdout  # it really rendered the comment
