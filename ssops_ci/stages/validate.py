"""Requests: `requests/<team>/<name>.yaml`, validated against the catalog and teams."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ssops_ci import API_VERSION
from ssops_ci.adapters.git import Tree
from ssops_ci.config import yamlsrc
from ssops_ci.config.catalog import NAME_RULE, Catalog, valid_name
from ssops_ci.config.files import describe
from ssops_ci.config.teams import Teams
from ssops_ci.model.problems import InputError, Problem

ROOT = "requests"
SUFFIXES = (".yaml", ".yml")


class Request(BaseModel):
    """A validated request: the first stage of the pipeline."""

    model_config = ConfigDict(frozen=True)
    path: str
    kind: str
    name: str
    team: str
    environment: str
    cost_center: str
    description: str
    spec: dict[str, Any]
    waivers: list[Any]
    positions: dict[str, tuple[int, int]] = {}  # dotted field -> (line, col), for findings on the request

    @property
    def stack_id(self) -> str:
        return f"{self.team}/{self.name}"

    def position(self, field: str) -> tuple[int, int]:
        """Where `field` (dotted, e.g. spec.size) is in the file, or its closest parent."""
        while field:
            if field in self.positions:
                return self.positions[field]
            field = field.rpartition(".")[0]
        return (1, 1)

    @property
    def rendered_dir(self) -> str:
        return f"rendered/{self.team}/{self.name}"


def stack_id_of_path(path: str) -> str | None:
    """`requests/<team>/<name>.yaml` -> `team/name`; None for anything else."""
    p = PurePosixPath(path)
    if len(p.parts) != 3 or p.parts[0] != ROOT or p.suffix not in SUFFIXES:
        return None
    return f"{p.parts[1]}/{p.stem}"


def is_request_path(path: str) -> bool:
    return path.startswith(ROOT + "/") and path.endswith(SUFFIXES)


def _path_problems(path: str) -> tuple[str, str] | Problem:
    p = PurePosixPath(path)
    if len(p.parts) != 3 or p.parts[0] != ROOT or p.suffix not in SUFFIXES:
        return Problem(path, 1, 1, "requests live at requests/<team>/<name>.yaml; move the file there")
    team, name = p.parts[1], p.stem
    for what, value in (("team folder", team), ("file name", name)):
        if not valid_name(value):
            return Problem(path, 1, 1, f"{what} '{value}' must be {NAME_RULE}")
    return team, name


def _positions(doc: yamlsrc.Located) -> dict[str, tuple[int, int]]:
    return {".".join(str(x) for x in loc): pos for loc, pos in doc.values.items() if loc}


def parse(path: str, data: bytes, catalog: Catalog, teams: Teams | None) -> Request:
    """Validate one request file; raise InputError with every problem found in it."""
    where = _path_problems(path)
    if isinstance(where, Problem):
        raise InputError([where])
    team_dir, name_file = where
    doc = yamlsrc.load(data, path)
    body = doc.value
    if body is None:
        raise InputError([Problem(path, 1, 1, "file is empty; run `ssops-ci new KIND ...` for a starter request")])
    if not isinstance(body, dict):
        raise InputError([doc.problem((), "a request is a mapping with apiVersion, kind, metadata and spec")])
    if body.get("apiVersion") != API_VERSION:
        raise InputError(
            [doc.problem(("apiVersion",), f"apiVersion must be '{API_VERSION}' (got {body.get('apiVersion')!r})")]
        )
    kind = catalog.get(str(body.get("kind")))
    if kind is None:
        known = ", ".join(sorted(catalog.kinds)) or "(the catalog is empty)"
        raise InputError([doc.problem(("kind",), f"unknown kind {body.get('kind')!r}; known kinds: {known}")])
    problems: list[Problem] = []
    try:
        model = kind.request_model.model_validate(body)
    except ValidationError as e:
        for err in e.errors(include_url=False):
            loc = tuple(err["loc"])
            msg = describe(err)
            if err["type"] == "extra_forbidden" and len(loc) >= 1:
                allowed = _allowed_fields(kind.request_model, loc[:-1])
                if allowed:
                    msg += f"; allowed here: {', '.join(allowed)}"
            problems.append(doc.problem(loc, msg, prefer_key=err["type"] in ("extra_forbidden", "missing")))
        raise InputError(problems) from None
    meta = model.metadata  # type: ignore[attr-defined]
    if meta.team != team_dir:
        problems.append(
            doc.problem(
                ("metadata", "team"),
                f"metadata.team: '{meta.team}' does not match the folder '{team_dir}'; move the file or fix the team",
            )
        )
    if meta.name != name_file:
        problems.append(
            doc.problem(
                ("metadata", "name"),
                f"metadata.name: '{meta.name}' does not match the file name '{name_file}'; rename one of them",
            )
        )
    if teams is not None and meta.team not in teams.teams:
        problems.append(
            doc.problem(
                ("metadata", "team"),
                f"metadata.team: '{meta.team}' is not in policies/teams.yaml; ask the platform team to add it",
            )
        )
    if problems:
        raise InputError(problems)
    spec = model.spec.model_dump(mode="python")  # type: ignore[attr-defined]
    return Request(
        path=path,
        kind=kind.name,
        name=meta.name,
        team=meta.team,
        environment=meta.environment,
        cost_center=meta.costCenter,
        description=meta.description,
        spec=spec,
        waivers=list(meta.waivers),
        positions=_positions(doc),
    )


def _allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
        if current is None:
            return []
    return sorted(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


@dataclass
class Loaded:
    requests: list[Request] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # request path -> its problems, so later stages can mark exactly that stack invalid
    invalid: dict[str, list[Problem]] = field(default_factory=dict)


def request_paths(tree: Tree) -> list[str]:
    """Every file under requests/ but dotfiles (.gitkeep): stray files are reported, not skipped."""
    return [p for p in tree.files(ROOT) if not PurePosixPath(p).name.startswith(".")]


def load_all(tree: Tree, catalog: Catalog, teams: Teams | None, paths: list[str] | None = None) -> Loaded:
    """Validate requests (all of them by default); collisions between files are problems too."""
    out = Loaded()
    seen: dict[str, str] = {}
    for path in request_paths(tree) if paths is None else paths:
        data = tree.read(path)
        if data is None:
            _fail(out, Problem(path, 1, 1, "file not found"))
            continue
        try:
            req = parse(path, data, catalog, teams)
        except InputError as e:
            for p in e.problems:
                _fail(out, p)
            continue
        if req.stack_id in seen:
            _fail(
                out,
                Problem(path, 1, 1, f"renders to the same stack rendered/{req.stack_id} as {seen[req.stack_id]}"),
            )
            continue
        seen[req.stack_id] = path
        out.requests.append(req)
    return out


def _fail(out: Loaded, problem: Problem) -> None:
    out.problems.append(problem)
    out.invalid.setdefault(problem.path, []).append(problem)
