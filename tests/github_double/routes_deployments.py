"""Deployments: what GitHub shows as "deployed" on a pull request's timeline.

The inconvenient defaults are modelled: a deployment checks every commit status on its ref unless
`required_contexts` is given (409 when one is not green), and a status description longer than 140
characters is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.github_double.calls import NOT_FOUND, Call, Reply
from tests.github_double.spec import spec
from tests.github_double.state import now


@dataclass
class Deployment:
    id: int
    sha: str
    environment: str
    description: str | None
    creator: str
    production: bool
    payload: Any = None
    statuses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str | None:
        return self.statuses[-1]["state"] if self.statuses else None


class DeploymentRoutes:
    deployments: dict[int, Deployment]
    statuses: dict[str, list[dict[str, Any]]]
    _ids: Iterator[int]

    def resolve(self, ref: str) -> str: ...
    def repo_url(self) -> str: ...
    def user(self, login: str) -> dict[str, Any]: ...

    def _deployment_json(self, d: Deployment) -> dict[str, Any]:
        out = spec().example("deployment-simple-example")
        out.update(
            id=d.id,
            node_id=f"DE_{d.id}",
            sha=d.sha,
            ref=d.sha,
            environment=d.environment,
            original_environment=d.environment,
            description=d.description,
            creator=self.user(d.creator),
            payload=d.payload if d.payload is not None else {},
            production_environment=d.production,
            url=f"{self.repo_url()}/deployments/{d.id}",
            statuses_url=f"{self.repo_url()}/deployments/{d.id}/statuses",
        )
        return out

    def _unmet_statuses(self, sha: str) -> list[str]:
        latest: dict[str, str] = {}
        for s in self.statuses.get(sha, []):
            latest[s["context"]] = s["state"]
        return sorted(c for c, state in latest.items() if state != "success")

    def create_deployment(self, c: Call) -> Reply:
        body = c.body or {}
        try:
            sha = self.resolve(body["ref"])
        except Exception:
            return 422, {"message": f"No ref found for: {body['ref']}"}
        required = body.get("required_contexts")
        failing = self._unmet_statuses(sha)
        unmet = failing if required is None else [x for x in required if x in failing]
        if unmet:
            return 409, {"message": f"Conflict: Commit status checks failed for {body['ref']}.", "errors": unmet}
        env = body.get("environment", "production")
        production = body.get("production_environment", env == "production")
        d = Deployment(next(self._ids), sha, env, body.get("description"), c.who.login, production, body.get("payload"))
        self.deployments[d.id] = d
        return 201, self._deployment_json(d)

    def list_deployments(self, c: Call) -> Reply:
        found = [
            d
            for d in self.deployments.values()
            if (not c.query.get("sha") or d.sha == c.query["sha"])
            and (not c.query.get("environment") or d.environment == c.query["environment"])
        ]
        return 200, [self._deployment_json(d) for d in sorted(found, key=lambda d: -d.id)]

    def create_deployment_status(self, c: Call) -> Reply:
        d = self.deployments.get(int(c.p["deployment_id"]))
        if d is None:
            return NOT_FOUND
        body = c.body or {}
        if len(body.get("description") or "") > 140:
            too_long = "description is too long (maximum is 140 characters)"
            return 422, {"message": "Validation Failed", "errors": [too_long]}
        status = {
            "id": next(self._ids),
            "state": body["state"],
            "description": body.get("description", ""),
            "log_url": body.get("log_url") or body.get("target_url") or "",
            "environment": body.get("environment") or d.environment,
            "creator": c.who.login,
            "created_at": now(),
        }
        d.statuses.append(status)
        return 201, self._status_json(d, status)

    def list_deployment_statuses(self, c: Call) -> Reply:
        d = self.deployments.get(int(c.p["deployment_id"]))
        if d is None:
            return NOT_FOUND
        return 200, [self._status_json(d, s) for s in reversed(d.statuses)]

    def _status_json(self, d: Deployment, s: dict[str, Any]) -> dict[str, Any]:
        out = spec().example("deployment-status")
        out.update(
            id=s["id"],
            node_id=f"DES_{s['id']}",
            state=s["state"],
            description=s["description"],
            environment=s["environment"],
            log_url=s["log_url"],
            target_url=s["log_url"],
            creator=self.user(s["creator"]),
            deployment_url=f"{self.repo_url()}/deployments/{d.id}",
            url=f"{self.repo_url()}/deployments/{d.id}/statuses/{s['id']}",
            created_at=s["created_at"],
            updated_at=s["created_at"],
        )
        return out
