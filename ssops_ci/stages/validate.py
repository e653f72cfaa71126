"""The first stage: request files -> validated Requests, checked against the catalog and teams."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from ssops_ci import API_VERSION
from ssops_ci.config import yamlsrc
from ssops_ci.config.catalog import Catalog, Kind
from ssops_ci.config.files import describe
from ssops_ci.config.teams import Teams
from ssops_ci.model.fmt import did_you_mean
from ssops_ci.model.layout import REQUEST_SUFFIXES, REQUESTS
from ssops_ci.model.problems import InputError, Problem
from ssops_ci.model.request import NAME_RE, NAME_RULE, Request, valid_name


def _location(path: str) -> tuple[str, str]:
    """(team, name) from the file's path; InputError when it is not where requests live."""
    p = PurePosixPath(path)
    if len(p.parts) != 3 or p.parts[0] != REQUESTS or p.suffix not in REQUEST_SUFFIXES:
        raise InputError([Problem(path, 1, 1, "requests live at requests/<team>/<name>.yaml; move the file there")])
    team, name = p.parts[1], p.stem
    for what, value in (("team folder", team), ("file name", name)):
        if not valid_name(value):
            raise InputError([Problem(path, 1, 1, f"{what} '{value}' must be {NAME_RULE}")])
    return team, name


def _positions(doc: yamlsrc.Located) -> dict[str, tuple[int, int]]:
    return {".".join(str(x) for x in loc): pos for loc, pos in doc.values.items() if loc}


def _body(doc: yamlsrc.Located, catalog: Catalog) -> tuple[dict[str, Any], Kind]:
    body = doc.value
    if body is None:
        raise InputError([Problem(doc.path, 1, 1, "file is empty; run `ssops-ci new KIND ...` for a starter request")])
    if not isinstance(body, dict):
        raise InputError([doc.problem((), "a request is a mapping with apiVersion, kind, metadata and spec")])
    if body.get("apiVersion") != API_VERSION:
        got = body.get("apiVersion")
        raise InputError([doc.problem(("apiVersion",), f"apiVersion must be '{API_VERSION}' (got {got!r})")])
    kind = catalog.get(str(body.get("kind")))
    if kind is None:
        known = ", ".join(sorted(catalog.kinds)) or "(the catalog is empty)"
        guess = did_you_mean(body.get("kind"), catalog.kinds)
        message = f"unknown kind {body.get('kind')!r};{guess} known kinds: {known}"
        raise InputError([doc.problem(("kind",), message)])
    return body, kind


def _validated(doc: yamlsrc.Located, body: dict[str, Any], kind: Kind) -> Any:
    try:
        return kind.request_model.model_validate(body)
    except ValidationError as e:
        problems = []
        for err in e.errors(include_url=False):
            loc = tuple(err["loc"])
            msg = describe(err, model=kind.request_model, rules={NAME_RE: NAME_RULE, **kind.pattern_rules})
            problems.append(doc.problem(loc, msg, prefer_key=err["type"] in ("extra_forbidden", "missing")))
        raise InputError(problems) from None


def _placement(doc: yamlsrc.Located, meta: Any, where: tuple[str, str], teams: Teams | None) -> list[Problem]:
    team_dir, name_file = where
    problems = []
    if meta.team != team_dir:
        message = f"metadata.team: '{meta.team}' does not match the folder '{team_dir}'; move the file or fix the team"
        problems.append(doc.problem(("metadata", "team"), message))
    if meta.name != name_file:
        message = f"metadata.name: '{meta.name}' does not match the file name '{name_file}'; rename one of them"
        problems.append(doc.problem(("metadata", "name"), message))
    if teams is not None and meta.team not in teams.teams:
        message = f"metadata.team: '{meta.team}' is not in policies/teams.yaml; ask the platform team to add it"
        problems.append(doc.problem(("metadata", "team"), message))
    return problems


def parse(path: str, data: bytes, catalog: Catalog, teams: Teams | None) -> Request:
    """Validate one request file; raise InputError with every problem found in it."""
    where = _location(path)
    doc = yamlsrc.load(data, path)
    body, kind = _body(doc, catalog)
    model = _validated(doc, body, kind)
    meta = model.metadata
    problems = _placement(doc, meta, where, teams)
    if problems:
        raise InputError(problems)
    return Request(
        path=path,
        kind=kind.name,
        name=meta.name,
        team=meta.team,
        environment=meta.environment,
        cost_center=meta.costCenter,
        description=meta.description,
        spec=model.spec.model_dump(mode="python"),
        waivers=list(meta.waivers),
        positions=_positions(doc),
    )


@dataclass
class Validated:
    requests: list[Request] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # request path -> its problems, so later stages can mark exactly that stack invalid
    invalid: dict[str, list[Problem]] = field(default_factory=dict)

    def fail(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.invalid.setdefault(problem.path, []).append(problem)


Parser = Callable[[str, bytes, Catalog, Teams | None], Request]


def validate_all(
    files: Iterable[tuple[str, bytes | InputError | None]],
    catalog: Catalog,
    teams: Teams | None,
    parse_one: Parser | None = None,
) -> Validated:
    """Validate request files (path, bytes or None when missing); collisions between files are problems too.
    `parse_one` stands in for `parse` (a memo of it); it must give exactly what `parse` gives."""
    parse_one = parse_one or parse
    out = Validated()
    seen: dict[str, str] = {}
    names: dict[tuple[str, str], Request] = {}
    for path, data in files:
        if data is None:
            out.fail(Problem(path, 1, 1, "file not found"))
            continue
        if isinstance(data, InputError):  # could not be read, for example a link
            for p in data.problems:
                out.fail(p)
            continue
        try:
            req = parse_one(path, data, catalog, teams)
        except InputError as e:
            for p in e.problems:
                out.fail(p)
            continue
        if req.stack_id in seen:
            out.fail(Problem(path, 1, 1, f"renders to the same stack rendered/{req.stack_id} as {seen[req.stack_id]}"))
            continue
        if (other := names.get(cloud_key(req))) is not None:
            line, col = req.position("metadata.name")
            out.fail(Problem(path, line, col, clash_message(req, other)))
            continue
        seen[req.stack_id] = path
        names[cloud_key(req)] = req
        out.requests.append(req)
    return out


def cloud_key(req: Request) -> tuple[str, str]:
    """What a request's cloud names are made of: <prefix>-<team>-<name>-<environment>. The dash makes
    team/name pairs ambiguous, so two requests with the same key would share every name."""
    return (f"{req.team}-{req.name}", req.environment)


def name_twins(team: str, name: str) -> list[str]:
    """The request files whose team and name join, with a dash, into the same text as these do."""
    joined = f"{team}-{name}"
    out = []
    for i, ch in enumerate(joined):
        if ch == "-" and i != len(team) and valid_name(joined[:i]) and valid_name(joined[i + 1 :]):
            out += [f"{REQUESTS}/{joined[:i]}/{joined[i + 1 :]}{suffix}" for suffix in REQUEST_SUFFIXES]
    return out


def clash_message(req: Request, other: Request) -> str:
    return (
        f"metadata.name: {req.stack_id} and {other.stack_id} ({other.path}) would give their {req.environment} "
        f"resources the same cloud names ('{req.team}-{req.name}'); rename one of them"
    )
