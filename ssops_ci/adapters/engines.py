"""Which engine plans and applies: chosen here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ssops_ci.adapters.static_engine import StaticEngine
from ssops_ci.adapters.terraform import TerraformEngine
from ssops_ci.adapters.terraform_faults import Purpose
from ssops_ci.config.platform import Platform
from ssops_ci.model.problems import PlanError, SsopsError
from ssops_ci.ports import Engine, Store


def choose_engine(
    wanted: str | None,
    platform: Platform | None,
    root: Path,
    *,
    purpose: Purpose,
    store: Store | None = None,
    warn: Callable[[str], None] | None = None,
) -> Engine:
    """The engine `wanted` names, else the one policies/platform.yaml names (static without one).

    Only a plan whose engine came from platform.yaml falls back to the static engine when no
    Terraform binary is found, with a warning: applying or checking drift with another engine
    than asked would record a lie.
    """
    name = wanted or (platform.engine if platform else "static")
    if name == "static":
        return StaticEngine(store)
    if platform is None:
        raise SsopsError("the terraform engine needs a valid policies/platform.yaml")
    try:
        return TerraformEngine(platform.terraform, root, purpose=purpose)
    except PlanError as e:
        if purpose != "plan" or wanted == "terraform" or warn is None:
            raise SsopsError(str(e)) from None
        warn(f"warning: {e}; planning with the static engine instead")
        return StaticEngine(store)
