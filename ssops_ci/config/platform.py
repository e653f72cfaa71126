"""`policies/platform.yaml`: platform-wide settings (regions, providers, plan engine)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ssops_ci.config import files
from ssops_ci.model.layout import PLATFORM
from ssops_ci.ports import Tree


class Backend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = "local"
    # `{stack}` expands to the stack id (team/name) so every stack gets its own state.
    config: dict[str, str] = Field(default_factory=lambda: {"path": ".ssops/tfstate/{stack}.tfstate"})


class TerraformSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    binary: str | None = None  # default: `terraform`, then `tofu`, from PATH
    # The exact version every plan and apply runs; a binary reporting another is refused. Keep it equal to
    # the workflows' setup-terraform `terraform_version` (doctor compares them).
    version: str | None = Field(default=None, pattern=r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")
    backend: Backend = Field(default_factory=Backend)
    plugin_dir: str | None = None  # a filesystem mirror for air-gapped runners
    timeout_seconds: int = Field(default=900, ge=10)


class Environment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str
    vpc_name: str
    alarm_topic: str = "ssops-alarms"  # SNS topic (by name) that every alarm notifies
    access_log_bucket: str  # where S3 server access logs go
    artifact_bucket: str  # where CI publishes Lambda packages


FAN_OUT_ABOVE = 40


class Platform(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_prefix: str = Field(default="ssops", pattern=r"^[a-z][a-z0-9-]{0,15}$")
    environments: dict[Literal["dev", "staging", "prod"], Environment]
    allowed_providers: list[str] = Field(default_factory=lambda: ["hashicorp/aws", "hashicorp/random"])
    engine: Literal["static", "terraform"] = "static"
    terraform: TerraformSettings = Field(default_factory=TerraformSettings)
    apply_parallelism: int = Field(default=4, ge=1, le=64)
    # GitHub Actions: a pull request affecting more stacks than this is planned by a matrix of jobs
    # (always with the terraform engine, whose plans are slow).
    fan_out_above: int = Field(default=FAN_OUT_ABOVE, ge=0, le=10_000)

    @model_validator(mode="after")
    def _all_envs(self) -> Platform:
        missing = {"dev", "staging", "prod"} - set(self.environments)
        if missing:
            raise ValueError(f"environments must define {', '.join(sorted(missing))}")
        return self

    def region_of(self, environment: str) -> str | None:
        env = {str(k): v for k, v in self.environments.items()}.get(environment)
        return env.region if env else None


def load(tree: Tree) -> Platform:
    return files.load(Platform, tree, PLATFORM)
