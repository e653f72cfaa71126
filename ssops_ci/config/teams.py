"""`policies/teams.yaml`: who owns what, who may approve, and each team's budget."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ssops_ci.config import files
from ssops_ci.model.layout import TEAMS
from ssops_ci.ports import Tree

Login = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$", max_length=39)]


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    github_team: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9_.-]+$")]
    members: list[Login] = Field(min_length=1)
    monthly_budget_usd: float | None = Field(default=None, ge=0)
    cost_center: str | None = None  # default for `ssops-ci new`

    @property
    def mention(self) -> str:
        return "@" + self.github_team


class Teams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org: str
    platform_team: str
    teams: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,39}$")], Team]

    @model_validator(mode="after")
    def _platform_exists(self) -> Teams:
        if self.platform_team not in self.teams:
            raise ValueError(f"platform_team '{self.platform_team}' is not one of the teams listed")
        return self

    @property
    def platform(self) -> Team:
        return self.teams[self.platform_team]

    def teams_of(self, login: str) -> list[str]:
        return [name for name, t in self.teams.items() if login.lower() in {m.lower() for m in t.members}]


def load(tree: Tree) -> Teams:
    return files.load(Teams, tree, TEAMS)
