"""`ssops-ci policy check`: every broken platform file reported at once, at its line, with what was meant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from ssops_ci.commands.cli import cli
from tests.conftest import position_after


def check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["policy", "check", "--repo", str(root)])
    return result.exit_code, result.stdout + result.stderr


def test_the_starter_passes(make_repo: Callable[..., Path]) -> None:
    code, out = check(make_repo())
    assert code == 0 and out.startswith("ok: templates/*/template.yaml")


def test_every_broken_file_at_once(make_repo: Callable[..., Path]) -> None:
    root = make_repo()
    edits = {
        "policies/risk.yaml": ("    tier: blocked\n", "    tier: meduim\n"),
        "policies/guardrails.yaml": ("  reserved_words:", "  reserved_wrods:"),
        "policies/pricing/us-east-1.yaml": ("db.t4g.small: 0.032", "db.t4g.small: -1"),
        "templates/queue/template.yaml": ("  fifo:\n", "  fifo:\n    tyep: boolean\n"),
    }
    price_at = position_after(root / "policies/pricing/us-east-1.yaml", "db.t4g.small: ")
    for rel, (old, new) in edits.items():
        text = (root / rel).read_text()
        assert old in text, rel
        (root / rel).write_text(text.replace(old, new, 1))
    code, out = check(root)
    assert code == 1
    lines = out.splitlines()
    assert any(ln.startswith("policies/risk.yaml:") and "(got 'meduim'); did you mean 'medium'?" in ln for ln in lines)
    assert any("naming.reserved_wrods: unknown field; did you mean 'reserved_words'?" in ln for ln in lines)
    assert any(ln.startswith(f"policies/pricing/us-east-1.yaml:{price_at}:") and "non-negative" in ln for ln in lines)
    assert any(ln.startswith("templates/queue/template.yaml:") and "did you mean 'type'?" in ln for ln in lines)
    assert lines[-1].endswith("problem(s); the gate would fail closed on this tree")


def test_outside_a_repository_it_says_so_once(tmp_path: Path) -> None:
    code, out = check(tmp_path)
    assert code == 1 and out.strip().splitlines() == [
        f"error: {tmp_path.resolve()} has no templates/ or policies/; run this from an ssops repository "
        "(`ssops-ci init` makes one)"
    ]
    missing, said = check(tmp_path / "nowhere")
    assert missing == 1 and "is not a directory" in said
