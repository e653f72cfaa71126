"""Where things live in an ssops repository: the one place that knows the paths.

Requests are `requests/<team>/<name>.yaml`, their Terraform is `rendered/<team>/<name>/`, the
catalog is `templates/<folder>/`, and everything that judges a change is under `policies/`.
"""

from __future__ import annotations

from pathlib import PurePosixPath

REQUESTS = "requests"
RENDERED = "rendered"
TEMPLATES = "templates"
SHARED = "templates/_shared/"
POLICIES = "policies"
GUARDRAILS = "policies/guardrails.yaml"
CHECKOV_CONFIG = "policies/checkov/config.yaml"
CHECKOV_CHECKS = "policies/checkov/checks"
RISK = "policies/risk.yaml"
TEAMS = "policies/teams.yaml"
PLATFORM = "policies/platform.yaml"
OBJECTIVES = "policies/objectives.yaml"
PRICING = "policies/pricing"
FREE = "policies/pricing/free.yaml"
REQUEST_SUFFIXES = (".yaml", ".yml")
# Paths owned by the platform team: a change to any of them is a governance change.
GOVERNANCE = ("policies/", "templates/", "ssops_ci/", ".github/")


def stack_id_of_request(path: str) -> str | None:
    """`requests/<team>/<name>.yaml` -> `team/name`; None for anything else."""
    p = PurePosixPath(path)
    if len(p.parts) != 3 or p.parts[0] != REQUESTS or p.suffix not in REQUEST_SUFFIXES:
        return None
    return f"{p.parts[1]}/{p.stem}"


def is_request_path(path: str) -> bool:
    return path.startswith(REQUESTS + "/") and path.endswith(REQUEST_SUFFIXES)


def is_request_file(path: str) -> bool:
    """Anything under requests/ but dotfiles (.gitkeep): stray files are reported, not skipped."""
    return path.startswith(REQUESTS + "/") and not PurePosixPath(path).name.startswith(".")


def stack_of_rendered(path: str) -> str | None:
    """`rendered/<team>/<name>/<file>` -> `team/name`."""
    parts = PurePosixPath(path).parts
    return f"{parts[1]}/{parts[2]}" if len(parts) >= 4 and parts[0] == RENDERED else None


def rendered_dir(stack_id: str) -> str:
    return f"{RENDERED}/{stack_id}"


def request_candidates(stack_id: str) -> list[str]:
    """The files a stack's request may be in."""
    return [f"{REQUESTS}/{stack_id}{s}" for s in REQUEST_SUFFIXES]
