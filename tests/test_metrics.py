"""Self-service metrics from the audit trail, and the HTML report in a real headless Chromium."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import CliRunner

from ssops_ci.adapters.stores.git import GitStore
from ssops_ci.commands.cli import cli
from ssops_ci.stages import metrics
from tests.conftest import chromium, records

H = "2026-11-20T{:02d}:{:02d}:00+00:00"


def ev(event: str, hour: int, minute: int = 0, **kw: Any) -> dict[str, Any]:
    return {"time": H.format(hour, minute), "event": event, "actor": kw.pop("actor", "ci"), **kw}


EVENTS = [
    # PR 1: low, auto-merged 10 min after opening, applied 5 min later
    ev("open", 9, 0, pr=1, actor="alice", title="jobs queue"),
    ev("evaluate", 9, 1, pr=1, tier="low", auto_merge=True, team_deltas={"payments": 5.2}, blocking_checks=[]),
    ev("merge", 9, 10, pr=1, merged=True, merge_sha="m1"),
    ev("apply-done", 9, 15, sha="m1", ok=True),
    # PR 2: medium, approved after 2 h, applied 10 min after merge
    ev("open", 10, 0, pr=2, actor="bob", title="ledger db"),
    ev(
        "evaluate",
        10,
        1,
        pr=2,
        tier="medium",
        auto_merge=False,
        required=["@acme/payments"],
        team_deltas={"payments": 59.92},
    ),
    ev("review", 12, 0, pr=2, tier="medium", auto_merge=False, missing=[], team_deltas={"payments": 59.92}),
    ev("merge", 12, 0, pr=2, merged=True, merge_sha="m2"),
    ev("apply-done", 12, 10, sha="m2", ok=True),
    # PR 3: blocked twice (re-evaluated), never merged
    ev("open", 11, 0, pr=3, actor="carol", title="public bucket"),
    ev(
        "evaluate",
        11,
        1,
        pr=3,
        tier="blocked",
        blocking_checks=["CKV_AWS_70", "guardrail.param.all.ObjectBucket.publicRead"],
    ),
    ev("evaluate", 11, 30, pr=3, tier="blocked", blocking_checks=["CKV_AWS_70"]),
    # PR 4: high, waiting on the platform team
    ev("evaluate", 13, 0, pr=4, tier="high", required=["@acme/platform"], title="template change"),
    # PR 5: low, merged, apply failed
    ev("evaluate", 14, 0, pr=5, tier="low", auto_merge=True, team_deltas={"search": 12.3}),
    ev("merge", 14, 2, pr=5, merged=True, merge_sha="m5"),
    ev("apply-done", 14, 3, sha="m5", ok=False),
]


def test_figures_match_a_hand_computation() -> None:
    m = metrics.compute(EVENTS)
    assert (m.prs, m.merged, m.applied, m.apply_failures) == (5, 3, 2, 1)
    assert m.no_human_share == pytest.approx(2 / 3, abs=1e-4)
    # opened -> merged: PR1 10 min, PR2 2 h, PR5 2 min
    assert m.lead_to_merge["low"].count == 2 and m.lead_to_merge["low"].median_hours == pytest.approx(6 / 60, abs=1e-3)
    assert m.lead_to_merge["medium"].median_hours == pytest.approx(2.0)
    assert m.lead_to_merge["all"].median_hours == pytest.approx(10 / 60, abs=1e-3)
    assert m.lead_to_merge["all"].p90_hours == pytest.approx(2.0)  # nearest rank of 3 values
    # opened -> applied: PR1 15 min, PR2 2 h 10 min (PR5 failed)
    assert m.lead_to_apply["all"].count == 2
    assert m.lead_to_apply["all"].p90_hours == pytest.approx(130 / 60, abs=1e-3)
    assert m.denials == [("CKV_AWS_70", 1), ("guardrail.param.all.ObjectBucket.publicRead", 1)]  # once per PR
    assert m.cost_added == {"payments": 65.12, "search": 12.3}
    assert [(w["pr"], w["waiting_on"]) for w in m.waiting] == [
        (3, "the author (carol) to fix guardrail.param.all.ObjectBucket.publicRead, CKV_AWS_70"),
        (4, "@acme/platform"),
    ]


def test_since_filters_by_opening_date() -> None:
    assert metrics.compute(EVENTS, since=__import__("datetime").date(2026, 11, 21)).prs == 0
    assert metrics.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert metrics.percentile([], 50) is None


def test_lead_times_of_seconds_keep_their_precision() -> None:
    # An auto-merged PR can take seconds; rounding hours too early would show them as 0 s.
    t = "2026-11-20T09:00:{:02d}+00:00"
    events = [
        {"time": t.format(0), "event": "open", "actor": "alice", "pr": 1},
        {"time": t.format(3), "event": "merge", "actor": "ci", "pr": 1, "merged": True, "merge_sha": "m1"},
        {"time": t.format(10), "event": "open", "actor": "bob", "pr": 2},
        {"time": t.format(11), "event": "merge", "actor": "ci", "pr": 2, "merged": True, "merge_sha": "m2"},
    ]
    lead = metrics.compute(events).lead_to_merge["all"]
    assert lead.median_hours == pytest.approx(2 / 3600, rel=1e-3)
    assert lead.p90_hours == pytest.approx(3 / 3600, rel=1e-3)


def _write(tmp_path: Path, events: list[dict[str, Any]]) -> Path:
    """A repository whose git store holds `events`."""
    root = tmp_path / "repo"
    git.Repo.init(root, initial_branch="main")
    store = records(root).store
    for e in events:
        store.append(e)
    return root


def test_report_command_text_json_and_corrupt_line(tmp_path: Path) -> None:
    root = _write(tmp_path, EVENTS)
    store = records(root).store
    assert isinstance(store, GitStore)
    # Someone rewrote the records ref by hand, leaving a line that is not an event.
    store.transact(
        lambda s: ([("audit/000001.jsonl", (s.read("audit/000001.jsonl") or b"") + b'{"event": "mer\n')], "", None)
    )
    result = CliRunner().invoke(cli, ["report", "--repo", str(root)])
    assert result.exit_code == 0, result.output
    assert "5 pull request(s): 3 merged, 2 applied, 1 apply failure(s)" in result.stdout
    assert "merged with no human involved: 67%" in result.stdout
    assert "warning: audit log line 17 (byte -1) is unreadable and ignored" in result.stdout
    doc = json.loads(CliRunner().invoke(cli, ["report", "--repo", str(root), "--json"]).stdout)
    assert doc["merged"] == 3 and doc["cost_added"] == {"payments": 65.12, "search": 12.3}
    bad = CliRunner().invoke(cli, ["report", "--repo", str(root), "--since", "yesterday"])
    assert bad.exit_code == 1 and "is not a date" in bad.stderr


@pytest.mark.slow
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = chromium(tmp_path / "profile")
    root = _write(tmp_path, EVENTS)
    html = tmp_path / "report.html"
    assert CliRunner().invoke(cli, ["report", "--repo", str(root), "--html", str(html)]).exit_code == 0
    shot = tmp_path / "report.png"
    subprocess.run(
        [*browser, "--window-size=1280,1200", f"--screenshot={shot}", html.as_uri()],
        capture_output=True,
        timeout=90,
    )
    assert shot.exists() and shot.stat().st_size > 20_000
    dom = subprocess.run([*browser, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=90).stdout
    # five activity charts, then the service levels against their targets, the queue by age and by whom
    assert dom.count("<svg") == 8
    assert dom.count('class="slo"') == 6 and dom.count('class="target"') == 6
    assert dom.count('class="bar"') >= 12
    assert 'id="kpi-no-human">67%<' in dom
    assert "@acme/platform" in dom and "CKV_AWS_70" in dom
    # The layout, measured by the browser: nothing may run off the side of a slide-sized window.
    probe = tmp_path / "probe.html"
    probe.write_text(
        html.read_text().replace(
            "</body>",
            "<script>document.body.dataset.overflow = String("
            "document.documentElement.scrollWidth - document.documentElement.clientWidth)</script></body>",
        )
    )
    for width in (1280, 1024):
        measured = subprocess.run(
            [*browser, f"--window-size={width},900", "--dump-dom", probe.as_uri()],
            capture_output=True,
            text=True,
            timeout=90,
        ).stdout
        assert 'data-overflow="0"' in measured, f"the report is wider than a {width}px window"


def test_markdown_summary_is_appended_and_keeps_record_text_out_of_the_table(tmp_path: Path) -> None:
    hostile = [
        *EVENTS,
        ev("evaluate", 15, 0, pr=6, tier="medium", required=["@acme/a|b\n### forged <img src=x>"], title="x"),
    ]
    root = _write(tmp_path, hostile)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = CliRunner().invoke(cli, ["report", "--repo", str(root), "--markdown", str(summary)])
    assert result.exit_code == 0, result.output
    text = summary.read_text()
    assert text.startswith("earlier step\n## Self-service infrastructure · 6 pull request(s)\n")
    rows = [line for line in text.splitlines() if line[:3] in ("| 🟢", "| 🟡", "| 🔴", "| ⚪")]
    assert len(rows) == 6 and all(r.count(" | ") == 4 for r in rows)  # one row per objective, five cells each
    assert "Default targets: add `policies/objectives.yaml`" in text  # this repository declares none
    # PR 5's failed apply is an error of the pipeline, yet still on record: the audit trail is complete
    assert "🔴 missed | Pipeline success rate | at least 99% | 90.9% of 11 |" in text
    assert "🟢 met | Audit completeness | at least 100% | 100.0% of 3 |" in text
    # a team handle from the records cannot break out of its line, start a heading or inject HTML
    assert "\n### forged" not in text and "<img" not in text
    assert "@acme/a\\|b ### forged &lt;img src=x&gt;: 1" in text
