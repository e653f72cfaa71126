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
BILLING = "policies/pricing/billing.yaml"
REQUEST_SUFFIXES = (".yaml", ".yml")
LINK_REFUSED = "is a symbolic link; ssops-ci never follows one: commit the file itself in its place"


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
    if path.startswith("/"):
        return None
    # the parts PurePosixPath would give, without its cost (this runs for every file under rendered/)
    parts = [p for p in path.split("/") if p and p != "."]
    return f"{parts[1]}/{parts[2]}" if len(parts) >= 4 and parts[0] == RENDERED else None


def is_self_service(path: str) -> bool:
    """A request file or a file of its rendering: the only paths a developer's PR may change on its own.

    Everything else (templates, policies, workflows, build files, a README) is governance: a change to
    it is reviewed by the platform team, however harmless it looks, because apply installs and runs
    what the default branch holds with production credentials.
    """
    return stack_id_of_request(path) is not None or stack_of_rendered(path) is not None


def rendered_dir(stack_id: str) -> str:
    return f"{RENDERED}/{stack_id}"


def request_candidates(stack_id: str) -> list[str]:
    """The files a stack's request may be in."""
    return [f"{REQUESTS}/{stack_id}{s}" for s in REQUEST_SUFFIXES]
